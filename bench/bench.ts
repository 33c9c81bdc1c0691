/**
 * npm run bench: our server against the SDK's own floor (a Hono + SDK echo
 * server), both in their own processes on loopback, with the fal emulator
 * behind ours; writes docs/benchmarks.md and docs/benchmarks.svg.
 * BENCH_REPEATS (default 3) and BENCH_SECONDS (default 5) trade time for precision.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { searchCatalogue } from '../src/registry/search.js';
import { startEmulator } from '../tests/emulator/app.js';
import { liveCatalogue } from '../tests/helpers/catalogue.js';
import { connectModern } from '../tests/helpers/clients.js';
import {
  type Era,
  load,
  mcpRequest,
  median,
  rssMb,
  spread,
  startProcess,
  stop,
  timeSearch,
  toolCall,
} from './lib.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const out: string[] = [];
const say = (line = '') => {
  out.push(line);
  process.stdout.write(`${line}\n`);
};

const emu = await startEmulator();
const serverEnv = (extra: Record<string, string> = {}) => ({
  PORT: '0',
  FAL_API_URL: emu.apiUrl,
  FAL_QUEUE_URL: emu.queueUrl,
  FAL_STORAGE_URL: emu.storageUrl,
  RATE_LIMIT_PER_MINUTE: '0',
  ...extra,
});
const post = (url: string, req: { headers: Record<string, string>; body: string }) =>
  fetch(url, { method: 'POST', headers: req.headers, body: req.body }).then(async (r) => ({
    status: r.status,
    text: await r.text(),
  }));
const waitReady = async (url: string) => {
  for (let i = 0; i < 500; i++) {
    if ((await fetch(url.replace('/mcp', '/ready')).catch(() => undefined))?.status === 200) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('server never became ready');
};

// ── 1. Throughput and latency against the baseline, both eras ───────────────
const ours = await startProcess(['dist/main.js'], serverEnv());
const base = await startProcess(['--import', 'tsx', 'bench/baseline-server.ts'], {});
await waitReady(ours.url);
const targets: { name: string; req: (era: Era) => { headers: Record<string, string>; body: string } }[] = [
  { name: 'tools/list', req: (era) => mcpRequest(era, 'tools/list') },
  {
    name: 'list_models (cached)',
    req: (era) => toolCall(era, 'list_models', { category: 'video', limit: 20 }),
  },
  {
    // The same call with a 0.6 KB answer instead of 6 KB: what the request path costs apart from the answer.
    name: 'list_models (cached, 1 model)',
    req: (era) => toolCall(era, 'list_models', { category: 'video', limit: 1 }),
  },
  {
    name: 'list_models text filter (local search)',
    req: (era) => toolCall(era, 'list_models', { search: 'portrait photo', limit: 10 }),
  },
  {
    name: 'get_model_schema (cached)',
    req: (era) => toolCall(era, 'get_model_schema', { model: 'fal-ai/flux/dev' }),
  },
];
for (const era of ['modern', 'legacy'] as const) for (const t of targets) await post(ours.url, t.req(era));

// The "same answer" floor: a baseline that lists our tool definitions the SDK's usual way and
// answers each call with the exact result our server just gave (bench/baseline-server.ts).
const rpcResult = (text: string): Record<string, unknown> => {
  const json = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '{}');
  return (JSON.parse(json) as { result: Record<string, unknown> }).result;
};
const replay = { tools: [] as unknown[], results: {} as Record<string, unknown> };
replay.tools = rpcResult((await post(ours.url, mcpRequest('modern', 'tools/list'))).text).tools as unknown[];
for (const t of targets) {
  const body = JSON.parse(t.req('modern').body) as {
    method: string;
    params: { name?: string; arguments?: unknown };
  };
  if (body.method !== 'tools/call') continue;
  const result = rpcResult((await post(ours.url, t.req('modern'))).text);
  replay.results[`${body.params.name} ${JSON.stringify(body.params.arguments)}`] = result;
}
mkdirSync('.cache', { recursive: true });
writeFileSync('.cache/bench-replay.json', JSON.stringify(replay));
const floor = await startProcess(['--import', 'tsx', 'bench/baseline-server.ts'], {
  BASELINE_REPLAY: '.cache/bench-replay.json',
});
for (const era of ['modern', 'legacy'] as const) {
  for (const t of targets) {
    const answer = await post(floor.url, t.req(era));
    if (answer.status !== 200 || answer.text.includes('no recorded result')) {
      throw new Error(`the same-answer floor could not replay ${t.name} (${era})`);
    }
  }
}

const rows: {
  era: Era;
  name: string;
  rps: number[];
  p50: number[];
  p99: number[];
  /** Each run's throughput ÷ the mean of the echo runs just before and just after it. */
  toEcho: number[];
  floor: number[];
}[] = [];
// Each of our runs sits between two echo runs and is compared with them, not with echo runs
// measured minutes apart: the processes warm up and the machine drifts over a run of the bench
// (a first version measured the echo once per round and read it up to 30 % low).
for (const era of ['modern', 'legacy'] as const) {
  const echo = { rps: [] as number[], p50: [] as number[], p99: [] as number[] };
  const echoRun = async () => {
    const e = await load(base.url, toolCall(era, 'echo', { text: 'hi' }), { seconds: SECONDS });
    if (e.non2xx || e.errors) throw new Error(`baseline answered ${e.non2xx} non-2xx, ${e.errors} errors`);
    echo.rps.push(e.rps);
    echo.p50.push(e.p50);
    echo.p99.push(e.p99);
    return e.rps;
  };
  const mine = targets.map((t) => ({
    era,
    name: t.name,
    rps: [] as number[],
    p50: [] as number[],
    p99: [] as number[],
    toEcho: [] as number[],
    floor: [] as number[],
  }));
  let before = await echoRun();
  for (let r = 0; r < REPEATS; r++) {
    for (const [i, t] of targets.entries()) {
      const m = await load(ours.url, t.req(era), { seconds: SECONDS });
      if (m.non2xx || m.errors) throw new Error(`${t.name} answered ${m.non2xx} non-2xx, ${m.errors} errors`);
      const row = mine[i] as (typeof mine)[number];
      row.rps.push(m.rps);
      row.p50.push(m.p50);
      row.p99.push(m.p99);
      const f = await load(floor.url, t.req(era), { seconds: SECONDS });
      if (f.non2xx || f.errors) throw new Error(`the floor answered ${f.non2xx} non-2xx, ${f.errors} errors`);
      row.floor.push(f.rps);
      const after = await echoRun();
      row.toEcho.push(m.rps / ((before + after) / 2));
      before = after;
    }
  }
  rows.push({ era, name: 'baseline echo', ...echo, toEcho: [1], floor: echo.rps }, ...mine);
}

await stop(ours.child);
await stop(base.child);
await stop(floor.child);

// ── 2. RSS in a fresh process: after start, with everything cached, after 100k requests ──
// Twice: with V8's default heap limit (derived from this 24 GB host, so the heap grows lazily)
// and with the limit the Docker image sets (NODE_OPTIONS=--max-old-space-size=256, as V8 would
// choose by itself on a 512 MB machine).
const IMAGE_HEAP = '--max-old-space-size=256';
const memory: {
  heap: string;
  start: number;
  cached: number;
  after: number;
  rps: number;
  non2xx: number;
  live: number;
}[] = [];
for (const heap of ['V8 default', IMAGE_HEAP]) {
  const mem = await startProcess([...(heap === IMAGE_HEAP ? [heap] : []), 'dist/main.js'], {
    ...serverEnv(),
    METRICS_ENABLED: 'true',
  });
  await waitReady(mem.url);
  const start = rssMb(mem.child.pid as number);
  const ids = liveCatalogue().list.map((m) => m.id);
  for (let i = 0; i < ids.length; i += 16) {
    await Promise.all(
      ids.slice(i, i + 16).map((id) => post(mem.url, toolCall('legacy', 'get_model_schema', { model: id }))),
    );
  }
  const cached = rssMb(mem.child.pid as number);
  const big = await load(mem.url, toolCall('modern', 'list_models', { category: 'image', limit: 20 }), {
    amount: 100_000,
  });
  const after = rssMb(mem.child.pid as number);
  const scrape = await (await fetch(mem.url.replace('/mcp', '/metrics'))).text();
  const live = Number(/^nodejs_heap_size_used_bytes (\d+)/m.exec(scrape)?.[1] ?? Number.NaN) / 1048576;
  memory.push({ heap, start, cached, after, rps: big.rps, non2xx: big.non2xx, live });
  await stop(mem.child);
}

// ── 3. Added latency over the upstream call (emulator answers in 50 ms) ─────
const lat = await startProcess(['dist/main.js'], serverEnv({ METRICS_ENABLED: 'true' }));
await waitReady(lat.url);
// The server's own view: request → response on /mcp, and its calls to fal, summed over the loop.
const serverSums = async () => {
  const text = await (await fetch(lat.url.replace('/mcp', '/metrics'))).text();
  const read = (re: RegExp) => Number(re.exec(text)?.[1] ?? Number.NaN);
  return {
    http: read(/^fal_mcp_http_request_duration_seconds_sum\{route="\/mcp"\} (\S+)$/m),
    httpCount: read(/^fal_mcp_http_request_duration_seconds_count\{route="\/mcp"\} (\S+)$/m),
    fal: read(/^fal_mcp_upstream_duration_seconds_sum\{api="platform"\} (\S+)$/m),
  };
};
emu.inject('estimate', { delayMs: 50 });
const estimateBody = JSON.stringify({
  estimate_type: 'unit_price',
  endpoints: { 'fal-ai/flux/dev': { unit_quantity: 1 } },
});
const direct: number[] = [];
const viaTool: number[] = [];
// The MCP round trip itself (client → an echo server → client), in the same loop.
const echoTrip: number[] = [];
const echoBase = await startProcess(['--import', 'tsx', 'bench/baseline-server.ts'], {});
const key = { 'x-fal-key': 'bench-id:bench-secret' };
const estimateCall = toolCall('modern', 'estimate_cost', {
  estimate_type: 'unit_price',
  items: [{ model: 'fal-ai/flux/dev', quantity: 1 }],
});
// Warm the path (JIT, connections), then measure.
for (let i = 0; i < 20; i++)
  await post(lat.url, { headers: { ...estimateCall.headers, ...key }, body: estimateCall.body });
const before = await serverSums();
for (let i = 0; i < 100; i++) {
  let t = performance.now();
  await fetch(`${emu.apiUrl}/models/pricing/estimate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Key bench-id:bench-secret' },
    body: estimateBody,
  }).then((r) => r.text());
  direct.push(performance.now() - t);
  t = performance.now();
  await post(lat.url, { headers: { ...estimateCall.headers, ...key }, body: estimateCall.body });
  viaTool.push(performance.now() - t);
  t = performance.now();
  await post(echoBase.url, toolCall('modern', 'echo', { text: 'hi' }));
  echoTrip.push(performance.now() - t);
}
await stop(echoBase.child);
const after = await serverSums();
// Per call inside the server: its /mcp time minus its fal time (the loop's 100 tool calls are
// the only /mcp and platform traffic between the two readings).
const calls = after.httpCount - before.httpCount;
const insideMs = ((after.http - before.http - (after.fal - before.fal)) / calls) * 1000;
emu.faults.clear();
await stop(lat.child);

// ── 4. Crawls: 1,000 concurrent cold calls, then steady load while fresh ────
const cold = await startProcess(['dist/main.js'], serverEnv({ WARM_CATALOGUE: 'false' }));
emu.faults.clear();
const firstPages = () =>
  emu.faults.callsTo('models').filter((c) => !c.query.includes('cursor=') && !c.query.includes('endpoint_id'))
    .length;
const burst = await Promise.all(
  Array.from({ length: 1000 }, () => post(cold.url, toolCall('legacy', 'list_models', { limit: 5 }))),
);
const coldCrawls = firstPages();
await load(cold.url, toolCall('modern', 'list_models', { limit: 5 }), { seconds: SECONDS });
const freshCrawls = firstPages() - coldCrawls;
await stop(cold.child);
if (burst.some((b) => b.status !== 200)) throw new Error('a cold call failed');

// ── 5. Local search over the full catalogue ────────────────────────────────
const catalogue = liveCatalogue();
const { p50s, p99s } = timeSearch((text) => searchCatalogue(catalogue, { text, limit: 10 }), REPEATS, 4_000);

// ── 6. Cold start: spawn → /health 200, → first tools/list ──────────────────
// Poll from the moment of spawn on a known port: the "listening" log line comes only once the
// MCP stack has loaded, while /health already answers during that boot window.
const toHealth: number[] = [];
const toList: number[] = [];
for (let r = 0; r < Math.max(3, REPEATS); r++) {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
  const startedAt = performance.now();
  const child = spawn(process.execPath, ['dist/main.js'], {
    env: { ...process.env, ...serverEnv({ WARM_CATALOGUE: 'false', PORT: String(port) }) },
    stdio: 'ignore',
  });
  const base = `http://127.0.0.1:${port}`;
  while ((await fetch(`${base}/health`).catch(() => undefined))?.status !== 200)
    await new Promise((x) => setTimeout(x, 2));
  toHealth.push(performance.now() - startedAt);
  while (
    (await post(`${base}/mcp`, mcpRequest('modern', 'tools/list')).catch(() => undefined))?.status !== 200
  ) {
    await new Promise((x) => setTimeout(x, 2));
  }
  toList.push(performance.now() - startedAt);
  await stop(child);
}

// ── 7. A waited job: status polls and progress cadence ─────────────────────
const jobs = await startProcess(['dist/main.js'], serverEnv());
emu.state.setTiming('fal-ai/kling-video/v2.1/master/text-to-video', {
  queueMs: 5_000,
  runMs: 5_000,
  queuePosition: 3,
});
emu.faults.clear();
const client = await connectModern({ url: jobs.url, headers: key });
const stamps: number[] = [];
const jobStart = Date.now();
await client.callTool(
  'run_model',
  { model: 'fal-ai/kling-video/v2.1/master/text-to-video', input: { prompt: 'bench' }, wait_seconds: 30 },
  () => stamps.push(Date.now()),
);
await client.close();
const statusPolls = emu.faults.callsTo('queue.status').length;
const gaps = stamps.map((t, i) => t - (stamps[i - 1] ?? jobStart)).slice(1);
await stop(jobs.child);
await emu.close();

// ── Report ──────────────────────────────────────────────────────────────────
const ratio = (r: (typeof rows)[number]) => median(r.toEcho);
say('# Benchmarks');
say();
say(
  `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: 2 cores, Node ${process.version}, loopback, `,
);
say(
  `autocannon with 32 connections for ${SECONDS} s per run, ${REPEATS} runs per figure (median, min–max). The load`,
);
say(
  'generator shares the two cores with the server, so absolute numbers are low; the ratios to the baseline are',
);
say(
  'the figures that matter: each of our runs is divided by the mean of the echo runs just before and after it',
);
say(
  '(median of those ratios), so warm-up and drift cancel. Our server runs with its defaults (info logs, rate',
);
say(
  'limits off for the benchmark); the baseline is Hono + the same SDK with one echo tool (`bench/baseline-server.ts`).',
);
say(
  `The "same answer" floor is that baseline registering our ${replay.tools.length} tool definitions per request (the SDK's usual way)`,
);
say(
  'and replaying the exact result our server gave for the call, with no work of its own: it separates the cost of',
);
say(
  'the answer (its size, the SDK validating and serialising it) from our own. Analysis: [performance.md](performance.md).',
);
say();
say('## Throughput and latency against the baseline');
say();
say('| era | call | req/s | p50 ms | p99 ms | × echo (target ≥ 0.9) | same-answer floor req/s | × floor |');
say('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const echoRow = r.name === 'baseline echo';
  say(
    `| ${r.era === 'modern' ? '2026-07-28' : '2025-11-25'} | ${r.name} | ${spread(r.rps, 0)} | ${spread(r.p50)} | ${spread(r.p99)} | ${echoRow ? '1' : ratio(r).toFixed(2)} | ${echoRow ? '—' : spread(r.floor, 0)} | ${echoRow ? '—' : (median(r.rps) / median(r.floor)).toFixed(2)} |`,
  );
}
say();
say('## Everything else');
say();
say('| figure | measured | target |');
say('|---|---|---|');
say(
  `| added latency of a tool call over its upstream call (emulator 50 ms, 100 sequential) | p50 ${(median(viaTool) - median(direct)).toFixed(1)} ms (tool ${median(viaTool).toFixed(1)} ms, direct ${median(direct).toFixed(1)} ms); the MCP round trip to an echo server alone is ${median(echoTrip).toFixed(1)} ms | ≤ 2 ms |`,
);
say(
  `| … of which inside this server (its request → response time minus its fal call, mean of ${calls}) | ${insideMs.toFixed(2)} ms | ≤ 2 ms |`,
);
say(`| catalogue crawls caused by 1,000 concurrent cold calls | ${coldCrawls} | 1 |`);
say(`| crawls during ${SECONDS} s of steady load while fresh | ${freshCrawls} | 0 |`);
say(`| local search p50 over 1,207 models | ${spread(p50s, 3)} ms | — |`);
say(`| local search p99 | ${spread(p99s, 3)} ms | ≤ 2 ms |`);
for (const m of memory) {
  say(`| RSS after start (${m.heap}) | ${m.start} MB | — |`);
  say(`| RSS with the catalogue and all 1,207 schemas cached (${m.heap}) | ${m.cached} MB | ≤ 150 MB |`);
  say(
    `| RSS after 100k more requests (${m.heap}; ${Math.round(m.rps)} req/s, ${m.non2xx} non-2xx; V8 heap in use then ${m.live.toFixed(0)} MB) | ${m.after} MB (${(((m.after - m.cached) / m.cached) * 100).toFixed(1)}%) | growth ≤ 10% |`,
  );
}
say(`| cold start: process start → /health 200 | ${spread(toHealth, 0)} ms | ≤ 300 ms |`);
say(`| cold start: → first tools/list answered | ${spread(toList, 0)} ms | ≤ 500 ms |`);
say(`| waited 10 s job: status polls | ${statusPolls} | ≤ 1 per second |`);
say(
  `| waited 10 s job: progress notifications, largest gap | ${stamps.length}, ${Math.max(...gaps)} ms | ≤ 5 s |`,
);
say();
say('![Throughput as a ratio to the baseline echo call](benchmarks.svg)');
// The toolsets and tracing sections are written by bench:toolsets and bench:tracing; keep them
// (with the heading before each marker) across a rewrite.
const previous = existsSync('docs/benchmarks.md') ? readFileSync('docs/benchmarks.md', 'utf8') : '';
const kept = ['toolsets', 'tracing'].flatMap((name) => {
  const block = new RegExp(`(## [^\\n]*\\n\\n)?<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`).exec(
    previous,
  );
  return block ? [block[0]] : [];
});
writeFileSync('docs/benchmarks.md', [out.join('\n'), ...kept].join('\n\n').concat('\n'));

// A small bar chart of the ratios, as SVG.
const bars = rows.filter((r) => r.name !== 'baseline echo');
const W = 720;
const rowH = 26;
const H = 60 + bars.length * rowH;
const x0 = 330;
const scale = (W - x0 - 40) / 1.2;
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="10" y="20" font-size="14" font-weight="bold">Throughput ÷ baseline echo (same run; target ≥ 0.9)</text>`,
  ...bars.map((b, i) => {
    const y = 40 + i * rowH;
    const v = ratio(b);
    const color = v >= 0.9 ? '#2e7d32' : '#c62828';
    return [
      `<text x="10" y="${y + 14}">${b.era === 'modern' ? '2026' : '2025'} · ${b.name}</text>`,
      `<rect x="${x0}" y="${y}" width="${Math.max(1, v * scale).toFixed(1)}" height="18" fill="${color}"/>`,
      `<text x="${x0 + v * scale + 6}" y="${y + 14}">${v.toFixed(2)}</text>`,
    ].join('');
  }),
  `<line x1="${x0 + 0.9 * scale}" y1="34" x2="${x0 + 0.9 * scale}" y2="${H - 10}" stroke="#555" stroke-dasharray="4 3"/>`,
  `<line x1="${x0 + scale}" y1="34" x2="${x0 + scale}" y2="${H - 10}" stroke="#999"/>`,
  '</svg>',
].join('\n');
writeFileSync('docs/benchmarks.svg', `${svg}\n`);
process.stdout.write('wrote docs/benchmarks.md and docs/benchmarks.svg\n');

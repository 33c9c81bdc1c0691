/**
 * Hardening figures (issue 15), the built server in its own process under the
 * Docker image's heap cap (--max-old-space-size=256), against the emulator:
 * 1. RSS added by 8 concurrent 50 MB uploads (8 tenants, a local source URL);
 * 2. what results of growing size do to the process: returned, refused, or fatal;
 * 3. upstream submits per call when fal accepts a submit and the connection resets.
 * Run: npm run bench:hardening. SERVER_DIR=<checkout> measures another build the same way.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type RunningEmulator, startEmulator } from '../tests/emulator/app.js';
import { connectModern } from '../tests/helpers/clients.js';
import { median, rssMb, startProcess } from './lib.js';

const MB = 1024 * 1024;
const SERVER = join(process.env.SERVER_DIR ?? '.', 'dist/main.js');
const HEAP = ['--max-old-space-size=256'];
const RUNS = Number(process.env.RUNS ?? 3);

function serverEnv(emu: RunningEmulator, extra: Record<string, string> = {}) {
  return {
    PORT: '0',
    ...emu.serverEnv(),
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '0',
    WARM_CATALOGUE: 'true',
    ...extra,
  };
}

/** Peak RSS while `work` runs, sampled every 10 ms. */
async function peakRss(pid: number, work: () => Promise<unknown>): Promise<number> {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      // the process is gone
    }
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return peak;
}

// ── 1. 8 concurrent 50 MB uploads ────────────────────────────────────────────
async function uploads() {
  const source = createServer((req, res) => {
    const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(size) });
    const chunk = Buffer.alloc(64 * 1024, 7);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n)))
          return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => source.listen(0, '127.0.0.1', () => r()));
  const port = (source.address() as AddressInfo).port;
  const emu = await startEmulator({ keepUploads: false });
  const added: number[] = [];
  const baselines: number[] = [];
  let failures = 0;
  for (let run = 0; run < RUNS; run++) {
    const { child, url } = await startProcess(
      [...HEAP, SERVER],
      serverEnv(emu, { FETCH_ALLOW_HOSTS: `127.0.0.1:${port}`, UPLOAD_MAX_BYTES: String(64 * MB) }),
    );
    const pid = child.pid as number;
    const clients = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        connectModern({ url, headers: { 'X-Fal-Key': `up-${i}-id:secret-${i}` } }),
      ),
    );
    // One small upload each first, so what is measured is the 50 MB streams, not first-use warm-up.
    await Promise.all(
      clients.map((c, i) =>
        c.callTool('upload_file', { url: `http://127.0.0.1:${port}/w${i}.mp4?size=1024` }),
      ),
    );
    await new Promise((r) => setTimeout(r, 500));
    const base = rssMb(pid);
    const peak = await peakRss(pid, async () => {
      const results = await Promise.all(
        clients.map((c, i) =>
          c.callTool('upload_file', { url: `http://127.0.0.1:${port}/clip${i}.mp4?size=${50 * MB}` }),
        ),
      );
      failures += results.filter((r) => r.isError).length;
    });
    baselines.push(base);
    added.push(peak - base);
    await Promise.all(clients.map((c) => c.close()));
    child.kill('SIGKILL');
  }
  source.close();
  await emu.close();
  return { baseline: median(baselines), added: median(added), runs: added, failures };
}

// ── 2. results of growing size ───────────────────────────────────────────────
async function largeResults(sizesMb: number[], extraEnv: Record<string, string> = {}) {
  const emu = await startEmulator();
  const rows: { mb: number; outcome: string; peakMb: number }[] = [];
  let server = await startProcess([...HEAP, SERVER], serverEnv(emu, extraEnv));
  for (const mb of sizesMb) {
    emu.state.setTiming('fal-ai/flux/dev', { queueMs: 0, runMs: 5, resultBytes: mb * MB });
    const client = await connectModern({ url: server.url, headers: { 'X-Fal-Key': `big-${mb}-id:secret` } });
    let outcome = '';
    // Another tenant's call in flight at the same time: does it survive?
    emu.state.setTiming('fal-ai/flux/schnell', { queueMs: 0, runMs: 800 });
    const bystander = await connectModern({
      url: server.url,
      headers: { 'X-Fal-Key': `calm-${mb}-id:secret` },
    });
    const calm = bystander
      .callTool('run_model', { model: 'fal-ai/flux/schnell', input: { prompt: 'calm' }, wait_seconds: 30 })
      .then(
        (r) => (r.isError ? 'failed' : 'completed'),
        () => 'cut off',
      );
    const exited = new Promise<string>((resolve) => server.child.once('exit', () => resolve('process died')));
    const pid = server.child.pid as number;
    const peak = await peakRss(pid, async () => {
      outcome = await Promise.race([
        client.callTool('run_model', { model: 'flux_dev', input: { prompt: 'x' }, wait_seconds: 30 }).then(
          (r) =>
            r.isError ? `refused: ${(r.content[0] as { text: string }).text.slice(0, 90)}…` : 'returned',
          () => 'call failed',
        ),
        exited,
      ]);
      outcome += `; another tenant's call ${await calm}`;
    });
    await bystander.close().catch(() => undefined);
    await client.close().catch(() => undefined);
    const alive = await fetch(server.url.replace('/mcp', '/health')).then(
      (r) => r.ok,
      () => false,
    );
    rows.push({ mb, outcome: alive ? outcome : `${outcome}; the process died`, peakMb: peak });
    if (!alive) {
      server.child.kill('SIGKILL');
      server = await startProcess([...HEAP, SERVER], serverEnv(emu, extraEnv));
    }
  }
  server.child.kill('SIGKILL');
  await emu.close();
  return rows;
}

// ── 3. submits per call when the connection resets after fal accepted ─────────
async function submitsUnderReset() {
  const emu = await startEmulator();
  const { child, url } = await startProcess([...HEAP, SERVER], serverEnv(emu));
  const client = await connectModern({ url, headers: { 'X-Fal-Key': 'reset-id:secret' } });
  await client.callTool('get_model_schema', { model: 'fal-ai/flux/dev' });
  const jobs = () => [...emu.state.jobs.values()].filter((j) => j.key === 'reset-id:secret').length;
  emu.inject('queue.submit', { resetAfterHandling: true });
  await client.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'x' } });
  const plain = jobs();
  await client.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'y' }, idempotency_key: 'k' });
  for (let i = 0; i < 3; i++) {
    await client.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'y' }, idempotency_key: 'k' });
  }
  const keyed = jobs() - plain;
  await client.close();
  child.kill('SIGKILL');
  await emu.close();
  return { plain, keyedWithThreeRetries: keyed };
}

const upload = await uploads();
console.log(
  `8 concurrent 50 MB uploads: RSS +${upload.added.toFixed(1)} MB over ${upload.baseline.toFixed(1)} MB (median of ${RUNS}; runs ${upload.runs.map((x) => x.toFixed(1)).join(', ')}); failed uploads: ${upload.failures}`,
);
for (const row of await largeResults([8, 16, 32, 64, 150, 500])) {
  console.log(`result of ${row.mb} MB (default cap): ${row.outcome} (peak RSS ${row.peakMb.toFixed(0)} MB)`);
}
for (const row of await largeResults([64, 96, 128, 150], {
  MAX_UPSTREAM_RESPONSE_BYTES: String(1024 * MB),
})) {
  console.log(
    `result of ${row.mb} MB (cap lifted to 1 GB): ${row.outcome} (peak RSS ${row.peakMb.toFixed(0)} MB)`,
  );
}
const resets = await submitsUnderReset();
console.log(
  `submits at fal when every submit's connection resets after acceptance: ${resets.plain} for one call; ${resets.keyedWithThreeRetries} for one call with an idempotency_key and 3 retries`,
);
process.exit(0);

/**
 * npm run bench:tracing (also run by npm run bench): throughput of cached
 * list_models with tracing off, on (every request exported to a local OTLP
 * collector) and sampled at 1 %, against the build before tracing (BENCH_BASE_DIR:
 * a checkout of it with dist/ built; skipped when unset), all in one run, each
 * server in its own process on loopback, rounds interleaved. Writes the table
 * into docs/benchmarks.md between the tracing markers.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator } from '../tests/emulator/app.js';
import { load, median, spread, startProcess, stop, toolCall } from './lib.js';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const BASE = process.env.BENCH_BASE_DIR;

// A collector that takes every export and answers at once, counting spans' bytes only.
let exported = 0;
const collector = createServer((req, res) => {
  req.on('data', (chunk: Buffer) => {
    exported += chunk.length;
  });
  req.on('end', () => res.end());
});
await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
const otlp = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;

const emu = await startEmulator();
const env = { PORT: '0', RATE_LIMIT_PER_MINUTE: '0', ...emu.serverEnv() };
const modes: { name: string; dir: string; env: Record<string, string> }[] = [
  ...(BASE && existsSync(`${BASE}/dist/main.js`)
    ? [{ name: 'before tracing (baseline)', dir: BASE, env: {} }]
    : []),
  { name: 'tracing off', dir: '.', env: {} },
  { name: 'tracing on, every request exported', dir: '.', env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp } },
  {
    name: 'tracing on, 1 % sampled',
    dir: '.',
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.01',
    },
  },
];
const req = toolCall('modern', 'list_models', { category: 'video', limit: 20 });
const rps = new Map(modes.map((m) => [m.name, [] as number[]]));
for (let round = 0; round < REPEATS; round++) {
  for (const mode of modes) {
    const server = await startProcess([`${mode.dir}/dist/main.js`], { ...env, ...mode.env });
    // Warm: the catalogue is crawled and cached before measuring.
    await load(server.url, req, { amount: 200, connections: 4 });
    const result = await load(server.url, req, { seconds: SECONDS, connections: 32 });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${mode.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    rps.get(mode.name)?.push(result.rps);
    await stop(server.child);
  }
}
await emu.close();
collector.close();

const reference = median(rps.get('tracing off') ?? []);
const lines = [
  `Cached \`list_models\` (2026-07-28 era), ${REPEATS} interleaved rounds of ${SECONDS} s, 32 connections, one process each; medians (min–max).`,
  '',
  '| build and mode | requests/s | vs tracing off |',
  '|---|---|---|',
  ...modes.map((m) => {
    const xs = rps.get(m.name) ?? [];
    return `| ${m.name} | ${spread(xs, 0)} | ${(median(xs) / reference).toFixed(2)}× |`;
  }),
  '',
  `The collector received ${Math.round(exported / 1024)} KiB of spans in all.`,
];
process.stdout.write(`${lines.join('\n')}\n`);
const doc = 'docs/benchmarks.md';
const text = readFileSync(doc, 'utf8');
const start = '<!-- tracing:start -->';
const end = '<!-- tracing:end -->';
const block = `${start}\n${lines.join('\n')}\n${end}`;
writeFileSync(
  doc,
  text.includes(start)
    ? text.replace(new RegExp(`${start}[\\s\\S]*${end}`), block)
    : `${text.trimEnd()}\n\n## Tracing (OpenTelemetry)\n\n${block}\n`,
);

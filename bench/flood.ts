/**
 * Heavy-body flood (issue 16): one address sends 8 concurrent ~4 MB requests,
 * each a tools/call whose arguments hold 250,000 keys, as fast as it can, while
 * another address makes discovery calls. Reports the other client's latency
 * idle and under the flood (p50, p95; median of RUNS), and what the flood got.
 * The built server runs in its own process with its default limits.
 * Run: npm run bench:flood. SERVER_DIR=<checkout> measures another build.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startEmulator } from '../tests/emulator/app.js';
import { median, percentile, startProcess, toolCall } from './lib.js';

const SERVER = join(process.env.SERVER_DIR ?? '.', 'dist/main.js');
const RUNS = Number(process.env.RUNS ?? 3);
const CALLS = Number(process.env.CALLS ?? 100);

const emu = await startEmulator();
const { child, url } = await startProcess(['--max-old-space-size=256', SERVER], {
  PORT: '0',
  ...emu.serverEnv(),
  LOG_LEVEL: 'info',
  // The victim and the attacker are different hosts; on loopback the header says which.
  TRUST_PROXY: 'x-forwarded-for',
});

const discovery = toolCall('legacy', 'list_models', { category: 'image', limit: 5 });
let victimFailures = 0;
const victimCall = async () => {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        ...discovery.headers,
        'x-forwarded-for': '198.51.100.1',
        'x-fal-key': 'victim-id:victim-secret',
      },
      body: discovery.body,
      signal: AbortSignal.timeout(10_000),
    });
    await res.text();
    if (res.status !== 200) victimFailures++;
  } catch {
    victimFailures++;
  }
  return performance.now() - started;
};

/** The other client calls at a steady 500 a minute, under its own rate limit (600), as a busy agent would. */
async function victimLatencies(): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    times.push(await victimCall());
    await new Promise((r) => setTimeout(r, Math.max(0, 120 - (performance.now() - started))));
  }
  return times;
}

/** The flood runs in its own process: in this one it would slow the measuring client, not the server. */
async function flooded(): Promise<{ times: number[]; statuses: Record<string, number> }> {
  const attacker = spawn(process.execPath, ['--import', 'tsx', 'bench/flood-attacker.ts', url, '8'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  attacker.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  await new Promise<void>((resolve) => attacker.stderr.once('data', () => resolve()));
  await new Promise((r) => setTimeout(r, 500));
  const times = await victimLatencies();
  attacker.stdin.end();
  await new Promise((r) => attacker.once('exit', r));
  return { times, statuses: JSON.parse(out || '{}') as Record<string, number> };
}

await victimLatencies(); // warm
const idle: number[][] = [];
const under: number[][] = [];
const got: Record<string, number>[] = [];
for (let run = 0; run < RUNS; run++) {
  idle.push(await victimLatencies());
  const f = await flooded();
  under.push(f.times);
  got.push(f.statuses);
  // Let the flood's bucket refill between runs, as separate attacks would find it.
  await new Promise((r) => setTimeout(r, 2_000));
}
const p = (xs: number[][], q: number) => median(xs.map((t) => percentile(t, q)));
const idle50 = p(idle, 0.5);
const flood50 = p(under, 0.5);
console.log(`victim discovery call, idle: p50 ${idle50.toFixed(1)} ms, p95 ${p(idle, 0.95).toFixed(1)} ms`);
console.log(
  `victim discovery call, under the flood: p50 ${flood50.toFixed(1)} ms, p95 ${p(under, 0.95).toFixed(1)} ms`,
);
console.log(`ratio (p50 flood / idle): ${(flood50 / idle50).toFixed(2)}× (target ≤ 3×)`);
console.log(`the flood's answers per run: ${got.map((g) => JSON.stringify(g)).join(' ')}`);
console.log(
  `victim calls that failed: ${victimFailures}; server alive at the end: ${child.exitCode === null}`,
);
child.kill('SIGKILL');
await emu.close();
process.exit(0);

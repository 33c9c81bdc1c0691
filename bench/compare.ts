/**
 * npm run bench:compare: this build against another (SERVER_DIR=<checkout with dist/>),
 * both spawned with the same emulator behind them, loaded in alternation so machine noise
 * hits both alike. Prints requests per second per call, the median of BENCH_REPEATS runs
 * (default 3) of BENCH_SECONDS (default 5), and the ratio this/other.
 */
import { join } from 'node:path';
import { startEmulator } from '../tests/emulator/app.js';
import { type Era, load, mcpRequest, median, startProcess, stop, toolCall } from './lib.js';

const OTHER = process.env.SERVER_DIR;
if (!OTHER) throw new Error('set SERVER_DIR to the checkout to compare against (with its dist/ built)');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);

const emu = await startEmulator();
const env = {
  PORT: '0',
  FAL_API_URL: emu.apiUrl,
  FAL_QUEUE_URL: emu.queueUrl,
  FAL_STORAGE_URL: emu.storageUrl,
  RATE_LIMIT_PER_MINUTE: '0',
};
const KEY = { 'x-fal-key': 'bench-id:bench-secret' };
const targets: { name: string; req: (era: Era) => { headers: Record<string, string>; body: string } }[] = [
  { name: 'tools/list', req: (era) => mcpRequest(era, 'tools/list') },
  {
    name: 'list_models (cached)',
    req: (era) => toolCall(era, 'list_models', { category: 'video', limit: 20 }),
  },
  {
    name: 'get_model_schema (cached)',
    req: (era) => toolCall(era, 'get_model_schema', { model: 'fal-ai/flux/dev' }),
  },
  {
    name: 'estimate_cost (keyed, to fal)',
    req: (era) => toolCall(era, 'estimate_cost', { items: [{ model: 'flux_dev', quantity: 1 }] }),
  },
];
const withKey = (r: { headers: Record<string, string>; body: string }) => ({
  ...r,
  headers: { ...r.headers, ...KEY },
});

const servers = {
  this: await startProcess([join('.', 'dist/main.js')], env),
  other: await startProcess([join(OTHER, 'dist/main.js')], env),
};
for (const s of Object.values(servers)) {
  for (const t of targets) await fetch(s.url, { method: 'POST', ...withKey(t.req('modern')) });
}
console.log(`| call (modern era) | this req/s | other req/s | this/other |\n|---|---|---|---|`);
for (const t of targets) {
  const rps = { this: [] as number[], other: [] as number[] };
  for (let r = 0; r < REPEATS; r++) {
    for (const which of r % 2 ? (['other', 'this'] as const) : (['this', 'other'] as const)) {
      const result = await load(servers[which].url, withKey(t.req('modern')), { seconds: SECONDS });
      if (result.non2xx || result.errors)
        throw new Error(`${which} ${t.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      rps[which].push(result.rps);
    }
  }
  const a = median(rps.this);
  const b = median(rps.other);
  console.log(`| ${t.name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)} |`);
}
await Promise.all(Object.values(servers).map((s) => stop(s.child)));
await emu.close();

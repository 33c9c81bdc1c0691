/**
 * What the shared store costs per request: store operations on the in-memory
 * store and on a real redis-server on loopback, the catalogue snapshot's size,
 * and a new machine's start from the snapshot against a crawl of the emulator.
 * Run: npm run bench:store (needs redis-server; scripts/install-system-deps.sh).
 */
import { Secret } from '../src/lib/secret.js';
import { createLogger } from '../src/log.js';
import { SharedCatalogue } from '../src/registry/shared-catalogue.js';
import { MemoryStore } from '../src/store/memory-store.js';
import { RedisStore } from '../src/store/redis-store.js';
import type { SharedStore } from '../src/store/store.js';
import { startEmulator } from '../tests/emulator/app.js';
import { REDIS_SERVER, startRedis } from '../tests/helpers/redis.js';
import { registryFor } from '../tests/helpers/registry.js';
import { percentile, spread } from './lib.js';

if (!REDIS_SERVER) {
  console.error('bench:store needs redis-server (run scripts/install-system-deps.sh)');
  process.exit(1);
}
const RUNS = 5;
const OPS = 2000;

async function opLatency(op: (i: number) => Promise<unknown>) {
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const times: number[] = [];
    for (let i = 0; i < OPS; i++) {
      const t = performance.now();
      await op(i);
      times.push(performance.now() - t);
    }
    p50s.push(percentile(times, 0.5));
    p99s.push(percentile(times, 0.99));
  }
  return { p50s, p99s };
}

const redis = await startRedis();
const silent = createLogger('silent');
const stores: [string, SharedStore][] = [
  ['memory', new MemoryStore()],
  ['redis', new RedisStore({ url: new Secret(redis.url), keyPrefix: 'bench:', logger: silent })],
];
await stores[1]?.[1].whenReady(3000);

const lines: string[] = ['# bench:store', ''];
lines.push('| store | operation | p50 | p99 |', '|---|---|---|---|');
for (const [name, store] of stores) {
  const ops: [string, (i: number) => Promise<unknown>][] = [
    ['takeToken (rate limit, every request)', (i) => store.takeToken(`t${i % 50}`, 10, 120)],
    ['get (job record)', (i) => store.get(`job:${i % 100}`)],
    ['setIfAbsent (idempotency claim, code use)', (i) => store.setIfAbsent(`c:${i}`, 'x', 60_000)],
  ];
  for (const [label, op] of ops) {
    const { p50s, p99s } = await opLatency(op);
    lines.push(`| ${name} | ${label} | ${spread(p50s, 3)} ms | ${spread(p99s, 3)} ms |`);
  }
}

const emu = await startEmulator();
const crawlMs: number[] = [];
const snapshotMs: number[] = [];
let bytes = 0;
for (let run = 0; run < RUNS; run++) {
  const store = new RedisStore({ url: new Secret(redis.url), keyPrefix: `snap${run}:`, logger: silent });
  await store.whenReady(3000);
  const first = registryFor(emu, { shared: new SharedCatalogue(store) });
  let t = performance.now();
  await first.registry.catalogue();
  crawlMs.push(performance.now() - t);
  bytes = Buffer.byteLength((await store.get('catalogue:snapshot')) ?? '');
  const second = registryFor(emu, { shared: new SharedCatalogue(store) });
  t = performance.now();
  await second.registry.catalogue();
  snapshotMs.push(performance.now() - t);
  await store.close();
}
lines.push(
  '',
  `catalogue snapshot in Redis: ${(bytes / 1024).toFixed(0)} KiB for 1,207 models`,
  `first machine, crawl + publish: ${spread(crawlMs)} ms`,
  `next machine, from the snapshot: ${spread(snapshotMs)} ms`,
);
console.log(lines.join('\n'));
await Promise.all(stores.map(([, s]) => s.close()));
await emu.close();
await redis.stop();

/**
 * Registry measurements against the emulator on loopback: full-catalogue crawl
 * time, single-flight counts, and local search latency over 1,207 models.
 * Run: npm run bench:registry. Prints medians with min–max over repeated runs.
 */
import { buildCatalogue } from '../src/registry/catalogue.js';
import { prepareSearch, searchCatalogue } from '../src/registry/search.js';
import { startEmulator } from '../tests/emulator/app.js';
import { registryFor } from '../tests/helpers/registry.js';
import { median, timeSearch } from './lib.js';

const RUNS = 7;
const fmt = (xs: number[], unit: string, digits = 1) =>
  `${median(xs).toFixed(digits)} ${unit} (min ${Math.min(...xs).toFixed(digits)}, max ${Math.max(...xs).toFixed(digits)}, n=${xs.length})`;

const emu = await startEmulator();
const crawlMs: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const { registry } = registryFor(emu);
  const t = performance.now();
  await registry.catalogue();
  crawlMs.push(performance.now() - t);
}

emu.faults.clear();
const { registry } = registryFor(emu, { ttlSeconds: 3600 });
await Promise.all(Array.from({ length: 1000 }, () => registry.catalogue()));
const coldCrawls = emu.faults.callsTo('models').filter((c) => !c.query.includes('cursor=')).length;
emu.faults.clear();
for (let i = 0; i < 10_000; i++) await registry.catalogue();
const freshCrawls = emu.faults.callsTo('models').length;

const catalogue = await registry.catalogue();
const { p50s, p99s } = timeSearch((text) => searchCatalogue(catalogue, { text, limit: 10 }), RUNS);
const buildMs: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const copy = buildCatalogue(
    [...catalogue.list].map((m) => ({
      endpoint_id: m.id,
      metadata: { display_name: m.name, category: m.category, description: m.description, tags: [...m.tags] },
    })),
    0,
    Date.now(),
    1,
  );
  const t = performance.now();
  prepareSearch(copy);
  buildMs.push(performance.now() - t);
}
await emu.close();

console.log(`full crawl (1,207 models, 13 pages of 100): ${fmt(crawlMs, 'ms')}`);
console.log(`crawls caused by 1,000 concurrent cold calls: ${coldCrawls}`);
console.log(`crawls caused by 10,000 calls while fresh: ${freshCrawls}`);
console.log(`local search p50: ${fmt(p50s, 'ms', 3)}`);
console.log(`local search p99: ${fmt(p99s, 'ms', 3)}`);
console.log(`search index build (once per catalogue): ${fmt(buildMs, 'ms')}`);

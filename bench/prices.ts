/**
 * What knowing the caller's prices costs discovery (issue 27): recommend_model
 * for a keyed caller with a cold price cache (a new tenant each call), a warm
 * one (the same tenant again), and without a key; fal's pricing route answers
 * after PRICING_MS (default 40 ms, a plausible round trip to fal). Upstream
 * pricing calls per call and p50 latency, in one run. Run: npm run bench:prices
 * (part of npm run bench).
 */
import { connectModern, type TestClient } from '../tests/helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../tests/helpers/harness.js';
import { median } from './lib.js';

const SAMPLES = Number(process.env.SAMPLES ?? 30);
const PRICING_MS = Number(process.env.PRICING_MS ?? 40);
const TASK = { task: 'product photo on a white background', limit: 5 };

const h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'warn' } });
h.emulator.faults.inject('pricing', { delayMs: PRICING_MS });
const connect = (key?: string) =>
  connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch, headers: key ? { 'X-Fal-Key': key } : {} });
const pricingCalls = () => h.emulator.faults.callsTo('pricing').length;

async function measure(label: string, clientFor: (i: number) => Promise<TestClient>, reuse: boolean) {
  const times: number[] = [];
  const before = pricingCalls();
  let shared: TestClient | undefined;
  for (let i = 0; i < SAMPLES; i++) {
    if (reuse && !shared) shared = await clientFor(i);
    const client = reuse && shared ? shared : await clientFor(i);
    const started = performance.now();
    await client.callTool('recommend_model', TASK);
    times.push(performance.now() - started);
    if (!reuse) await client.close();
  }
  await shared?.close();
  return { label, p50: median(times), callsPerCall: (pricingCalls() - before) / SAMPLES };
}

// Warm the catalogue first: the figures are about prices, not the first crawl.
await (await connect()).callTool('recommend_model', TASK);
const keyless = await measure('no key', () => connect(), true);
const cold = await measure(
  'keyed, cold price cache (a new tenant each call)',
  (i) => connect(`bench-${i}:s`),
  false,
);
const warmClient = await connect('bench-warm:s');
await warmClient.callTool('recommend_model', TASK);
await warmClient.close();
const warm = await measure('keyed, warm price cache', () => connect('bench-warm:s'), true);
await h.close();

const rows = [keyless, cold, warm];
console.log(
  `recommend_model, ${SAMPLES} calls each, fal's pricing route answering after ${PRICING_MS} ms:\n`,
);
console.log('| caller | pricing calls at fal per call | p50 ms |');
console.log('|---|---|---|');
for (const r of rows) console.log(`| ${r.label} | ${r.callsPerCall.toFixed(2)} | ${r.p50.toFixed(1)} |`);

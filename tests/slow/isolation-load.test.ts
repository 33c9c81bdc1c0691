import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../emulator/catalogue.js';
import { CLIENTS, type TestClient } from '../helpers/clients.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const TENANTS = 50;
const CALLS_PER_TENANT = 200;

describe('isolation under load', () => {
  let h: Harness;
  const tenants: { key: string; model: string; client: TestClient; jobId: string }[] = [];

  beforeAll(async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' } });
    h.emulator.state.setTiming('*', { queueMs: 600_000, runMs: 1_000 });
    const url = await h.listen();
    const models = loadCatalogue()
      .filter((m) => m.metadata.category === 'text-to-image')
      .slice(0, TENANTS)
      .map((m) => m.endpoint_id);
    for (let i = 0; i < TENANTS; i++) {
      const key = `tenant-${i}-admin-id:tenant-${i}-secret`;
      const client = await CLIENTS[i % 2 ? 'legacy' : 'modern']({ url, headers: { 'X-Fal-Key': key } });
      tenants.push({ key, model: models[i] as string, client, jobId: '' });
    }
  }, 60_000);
  afterAll(async () => {
    for (const t of tenants) await t.client.close();
    await h.close();
  });

  it(`${TENANTS} tenants × ${CALLS_PER_TENANT} interleaved calls over real sockets: own keys only, no cross-tenant job access, no 5xx`, async () => {
    // Each tenant owns one job.
    await Promise.all(
      tenants.map(async (t) => {
        const r = await t.client.callTool('submit_job', {
          model: 'flux_schnell',
          input: { prompt: t.key.slice(0, 9) },
        });
        t.jobId = (r.structuredContent as { request_id: string }).request_id;
      }),
    );
    let calls = 0;
    const failures: string[] = [];
    let crossReads = 0;
    const started = Date.now();
    await Promise.all(
      tenants.map(async (t, i) => {
        const neighbour = tenants[(i + 1) % TENANTS] as (typeof tenants)[number];
        for (let n = 0; n < CALLS_PER_TENANT; n++) {
          const pick = n % 5;
          const [tool, args] =
            pick === 0
              ? ['get_usage', { models: [t.model] }]
              : pick === 1
                ? ['get_pricing', { models: [t.model] }]
                : pick === 2
                  ? ['list_models', { category: 'image', limit: 5 }]
                  : pick === 3
                    ? ['check_job', { request_id: t.jobId }]
                    : ['check_job', { request_id: neighbour.jobId, model: 'flux_schnell' }];
          // A transport failure is counted (and shown below); a wrong answer fails the test where it happens.
          const r = await t.client
            .callTool(tool as string, args as Record<string, unknown>)
            .catch((error: unknown) => {
              failures.push(`${tool}: ${String(error)}`);
              return undefined;
            });
          if (!r) continue;
          calls++;
          if (pick === 4) {
            // Another tenant's job: fal (the emulator) refuses it for this key.
            expect([tool, r.isError]).toEqual([tool, true]);
            crossReads++;
          } else expect([tool, r.isError ?? false]).toEqual([tool, false]);
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;
    expect(failures).toEqual([]);
    expect(calls).toBe(TENANTS * CALLS_PER_TENANT);
    expect(crossReads).toBe(TENANTS * (CALLS_PER_TENANT / 5));

    // Every upstream call carried the key of the tenant it was for.
    const byModel = new Map(tenants.map((t) => [t.model, t.key]));
    const byJob = new Map(tenants.map((t) => [t.jobId, t.key]));
    let checked = 0;
    // Every submit priced its run with its own key, once per tenant (prices are cached per tenant, never shared).
    const SUBMITTED = 'fal-ai/flux/schnell';
    const submitPricing = h.emulator.faults.calls
      .filter((c) => c.route === 'pricing' && new URLSearchParams(c.query).get('endpoint_id') === SUBMITTED)
      .map((c) => c.key);
    expect(submitPricing.sort()).toEqual(tenants.map((t) => t.key).sort());
    // Each tenant's list_models page was priced once, with its own key (then cached for that tenant only).
    const pagePricing = h.emulator.faults.calls
      .filter((c) => c.route === 'pricing' && new URLSearchParams(c.query).getAll('endpoint_id').length > 1)
      .map((c) => c.key);
    expect(pagePricing.sort()).toEqual(tenants.map((t) => t.key).sort());
    for (const call of h.emulator.faults.calls) {
      const q = new URLSearchParams(call.query);
      if (call.route === 'pricing' && q.get('endpoint_id') === SUBMITTED) continue;
      if (call.route === 'pricing' && q.getAll('endpoint_id').length > 1) continue;
      if (call.route === 'usage' || call.route === 'pricing') {
        expect(call.key).toBe(byModel.get(q.get('endpoint_id') ?? ''));
        checked++;
      }
      if (call.route === 'queue.status') {
        const owner = byJob.get(call.path.split('/').at(-2) ?? '');
        // Own-job polls carry the owner's key; cross reads carry the reader's, and fal said 404.
        if (owner === call.key) checked++;
      }
    }
    expect(checked).toBeGreaterThan(TENANTS * (CALLS_PER_TENANT / 5) * 2);
    const http5xx = h.logRecords().filter((l) => l.msg === 'http' && Number(l.status) >= 500);
    expect(http5xx).toHaveLength(0);
    console.log(
      `isolation: ${calls} calls from ${TENANTS} tenants in ${seconds.toFixed(1)} s, ${checked} upstream calls checked`,
    );
  }, 180_000);
});

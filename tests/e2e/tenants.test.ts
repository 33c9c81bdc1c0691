import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLegacy, connectModern, type TestClient } from '../helpers/clients.js';
import { type Harness, startHarness } from '../helpers/harness.js';

// Each tenant asks for a different model, so every upstream call says whose it was.
// get_usage is never cached, so every tool call makes exactly one upstream call.
const TENANTS = [
  { key: 'tenant-a-admin-id:tenant-a-secret', model: 'fal-ai/flux/dev', connect: connectModern },
  { key: 'tenant-b-admin-id:tenant-b-secret', model: 'fal-ai/flux/schnell', connect: connectLegacy },
] as const;

describe('two tenants calling at the same time', () => {
  let h: Harness;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    // Both tenants call from one address: this is about keys, not limits.
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    const url = await h.listen();
    for (const t of TENANTS) clients.push(await t.connect({ url, headers: { 'X-Fal-Key': t.key } }));
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await h.close();
  });

  it('every upstream call carries its own caller key, over 200 interleaved calls', async () => {
    const perTenant = 110;
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < perTenant; i++) {
      TENANTS.forEach((t, n) => {
        calls.push(
          (clients[n] as TestClient).callTool('get_usage', { models: [t.model] }).then((r) => {
            expect(r.isError).toBeFalsy();
          }),
        );
      });
    }
    await Promise.all(calls);

    const upstream = h.emulator.faults.callsTo('usage');
    expect(upstream).toHaveLength(perTenant * TENANTS.length);
    for (const call of upstream) {
      const asked = new URLSearchParams(call.query).get('endpoint_id');
      const owner = TENANTS.find((t) => t.model === asked);
      expect(call.key).toBe(owner?.key);
    }
    // The shared catalogue was crawled without anyone's key.
    expect(h.emulator.faults.callsTo('models').every((c) => c.key === null)).toBe(true);
  });
});

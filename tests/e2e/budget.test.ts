import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../emulator/app.js';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { TEST_OAUTH_SECRET } from '../helpers/oauth.js';
import { REDIS_SERVER, startRedis } from '../helpers/redis.js';

const KEY = 'budget-id:budget-secret';
// flux/dev at $0.025 per megapixel, 1024×768 (billed as 1 MP) by default: $0.025 a run, so two fit in $0.05.
const BUDGET = { TENANT_DAILY_BUDGET_USD: '0.05' };
const run = { model: 'flux_dev', input: { prompt: 'a budget fox' } };
type Account = {
  limits: { daily_budget_usd?: number };
  budget?: { spent_today_usd: number; left_usd: number };
};

describe('TENANT_DAILY_BUDGET_USD: a ceiling on each tenant’s estimated spend per UTC day', () => {
  let h: Harness;
  let client: TestClient;
  beforeAll(async () => {
    h = await startHarness({ env: BUDGET });
    h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  it('runs until the next would pass it; the refusal says the budget, what is left and when it resets', async () => {
    for (let i = 0; i < 2; i++) expect((await client.callTool('submit_job', run)).isError).toBeFalsy();
    const before = h.emulator.faults.callsTo('queue.submit').length;
    const refused = await client.callTool('generate_image', { prompt: 'one more', wait_seconds: 0 });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toMatch(
      /^Not submitted: fal-ai\/flux\/dev is estimated at \$0\.025 \(1 image\(s\) × 1 MP .*\), more than is left of your daily budget on this server: \$0 of \$0\.05 \(estimates of today's runs: \$0\.05\)\. The budget resets at \d{4}-\d\d-\d\dT00:00:00\.000Z\. Nothing was charged\./,
    );
    expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(before);
    const account = await client.callTool('get_account', {});
    expect(account.structuredContent as Account).toMatchObject({
      limits: { daily_budget_usd: 0.05 },
      budget: { spent_today_usd: 0.05, left_usd: 0 },
    });
    expect(textOf(account)).toMatch(
      /a daily budget of \$0\.05: \$0\.05 estimated for today's runs, \$0 left, resets at /,
    );
  });

  it('is per tenant, and a submit fal refuses gives its estimate back', async () => {
    const other = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'budget-other-id:secret' },
    });
    h.emulator.inject('queue.submit', { status: 400, times: 1 });
    expect((await other.callTool('submit_job', run)).isError).toBe(true);
    const account = (await other.callTool('get_account', {})).structuredContent as Account;
    expect(account.budget?.spent_today_usd).toBe(0);
    expect((await other.callTool('submit_job', run)).isError).toBeFalsy();
    await other.close();
  });
});

describe('the budget waits for the figure it counts', () => {
  it('a slow pricing API delays a run under a budget, never refuses it for want of an estimate', async () => {
    const h = await startHarness({ env: BUDGET });
    try {
      h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
      // Slower than the 1.5 s a run waits for a price no rule needs.
      h.emulator.inject('pricing', { delayMs: 2_000, times: 1 });
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'budget-slow-id:secret' },
      });
      const r = await client.callTool('submit_job', run);
      expect(r.isError).toBeFalsy();
      expect((await client.callTool('get_account', {})).structuredContent as Account).toMatchObject({
        budget: { spent_today_usd: 0.025 },
      });
      await client.close();
    } finally {
      await h.close();
    }
  });
});

describe.runIf(REDIS_SERVER)('the budget holds across two machines sharing Redis', () => {
  it('concurrent runs of one tenant on both machines never pass it together', async () => {
    const redis = await startRedis();
    const emulator = await startEmulator();
    emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
    const env = { ...BUDGET, REDIS_URL: redis.url, TASKS_SECRET: TEST_OAUTH_SECRET };
    const a = await startHarness({ sharedEmulator: emulator, env });
    const b = await startHarness({ sharedEmulator: emulator, env });
    try {
      const connect = (h: Harness) =>
        connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch, headers: { 'X-Fal-Key': KEY } });
      const [onA, onB] = await Promise.all([connect(a), connect(b)]);
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? onA : onB).callTool('submit_job', { ...run, input: { prompt: `race ${i}` } }),
        ),
      );
      expect(results.filter((r) => !r.isError)).toHaveLength(2);
      expect(results.filter((r) => r.isError).every((r) => /daily budget/.test(textOf(r)))).toBe(true);
      expect(emulator.faults.callsTo('queue.submit')).toHaveLength(2);
      await Promise.all([onA.close(), onB.close()]);
    } finally {
      await a.close();
      await b.close();
      await emulator.close();
      await redis.stop();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectLegacy, connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { structuredOf, type ToolName } from '../helpers/structured.js';

/** Discovery knows the caller's prices: one pricing call per page, cached per tenant. */
describe('prices in discovery', () => {
  let h: Harness;
  let client: TestClient;
  const call = async <N extends ToolName>(name: N, args: Record<string, unknown>) => {
    const r = await client.callTool(name, args);
    return { ...r, data: structuredOf(name, r), text: textOf(r) };
  };
  beforeAll(async () => {
    h = await startHarness();
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'costs-id:costs-secret' },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  it('max_unit_price_usd keeps only models the caller can have at that price, each priced', async () => {
    const before = h.emulator.faults.callsTo('pricing').length;
    const r = await call('search_models', {
      query: 'flux',
      category: 'text-to-image',
      max_unit_price_usd: 0.01,
    });
    expect(h.emulator.faults.callsTo('pricing').length - before).toBe(1);
    expect(r.data.models.length).toBeGreaterThan(0);
    for (const m of r.data.models) expect(m.unit_price).toBeLessThanOrEqual(0.01);
    expect(r.data.models.map((m) => m.id)).toContain('fal-ai/flux/schnell');
    expect(r.text).toMatch(/fal-ai\/flux\/schnell — .+ — \$0\.003 per megapixels/);
  });

  it('sort: price orders cheapest first, and names the budget and premium choice of a family', async () => {
    const r = await call('list_models', {
      search: 'flux',
      category: 'text-to-image',
      sort: 'price',
      limit: 50,
    });
    const prices = r.data.models
      .filter((m) => m.unit === 'megapixels')
      .map((m) => m.unit_price ?? Number.NaN);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const schnell = r.data.models.find((m) => m.id === 'fal-ai/flux/schnell');
    expect(schnell?.family_role).toBe('budget');
    expect(r.text).toContain('$0.003 per megapixels, the budget choice of its family');
    expect(r.data.models.some((m) => m.family_role === 'premium' && m.id.startsWith('fal-ai/flux/'))).toBe(
      true,
    );
  });

  it('a task that asks for cheap ranks the fitting models by price, with the price in each reason', async () => {
    const r = await call('recommend_model', { task: 'cheapest text to image model', limit: 5 });
    const prices = r.data.recommendations.map((m) => m.unit_price);
    expect(prices.every((p) => typeof p === 'number')).toBe(true);
    expect(prices).toEqual([...prices].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(r.data.recommendations[0]?.reason).toMatch(/; Your price: \$[\d.]+ per \w+/);
  });

  it('a slow pricing API does not hold up a run no spend rule needs a figure for', async () => {
    h.emulator.state.setTiming('fal-ai/flux/schnell', { queueMs: 5, runMs: 5 });
    h.emulator.faults.inject('pricing', { delayMs: 4_000 });
    h.emulator.faults.inject('estimate', { delayMs: 4_000 });
    try {
      const r = await call('run_model', {
        model: 'fal-ai/flux/schnell',
        input: { prompt: 'x' },
        preview: false,
      });
      expect(r.data.status).toBe('COMPLETED');
      expect(r.text).toContain('The cost could not be estimated (fal did not price it in time).');
      expect(r.data.estimated_cost_usd).toBeUndefined();
    } finally {
      h.emulator.faults.clear();
    }
  });

  it('a slow pricing API does not hold up a listing that only shows prices', async () => {
    h.emulator.faults.inject('pricing', { delayMs: 4_000 });
    try {
      const slow = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'slow-prices-id:secret' },
      });
      const r = await slow.callTool('search_models', { query: 'upscale', limit: 3 });
      await slow.close();
      expect(r.isError).toBeFalsy();
      expect(structuredOf('search_models', r).models[0]?.unit_price).toBeUndefined();
      expect(textOf(r)).toContain(
        'Prices could not be fetched (fal did not answer within 1.5 s); listed without them.',
      );
    } finally {
      h.emulator.faults.clear();
    }
  });

  it('without a key there are no prices, and a price filter says why it was not applied', async () => {
    const keyless = await connectLegacy({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
    try {
      const r = await keyless.callTool('search_models', { query: 'flux', max_unit_price_usd: 0.01 });
      expect(structuredOf('search_models', r).models[0]?.unit_price).toBeUndefined();
      expect(textOf(r)).toContain('Prices are per account: send your fal key to filter or sort by them.');
    } finally {
      await keyless.close();
    }
  });
});

describe('get_account: the balance before a batch', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '120', MAX_CONCURRENT_JOBS_PER_TENANT: '3' } });
  });
  afterAll(() => h.close());
  const account = async (key: string) => {
    const c = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': key },
    });
    try {
      const r = await c.callTool('get_account', {});
      return { data: structuredOf('get_account', r), text: textOf(r) };
    } finally {
      await c.close();
    }
  };

  it("an admin key gets its credit balance and this server's limits for it", async () => {
    const r = await account('acct-admin-id:acct-secret');
    expect(r.data).toMatchObject({
      admin: true,
      balance: 42.5,
      currency: 'USD',
      limits: { requests_per_minute: 120, jobs_waited_on_at_once: 3 },
    });
    expect(r.text).toMatch(
      /^Balance: 42\.5 USD \(an admin key\)\.\nThis server's limits for you: 120 requests a minute/,
    );
    expect(r.text).toContain('no daily budget.');
  });

  it('an ordinary key is told plainly that it may not read the balance, and why', async () => {
    const r = await account('acct-plain-id:acct-secret');
    expect(r.data.admin).toBe(false);
    expect(r.data.balance).toBeUndefined();
    expect(r.text).toContain(
      'The balance is not shown: fal lets only admin keys read the balance, and this key is not one.',
    );
    // The refusal is not taken for a bad key: the same key still runs models.
    const c = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'acct-plain-id:acct-secret' },
    });
    const run = await c.callTool('submit_job', { model: 'fal-ai/flux/schnell', input: { prompt: 'x' } });
    await c.close();
    expect(run.isError).toBeFalsy();
  });

  it('each tenant reads its own balance', async () => {
    h.emulator.faults.clear();
    await account('acct-one-admin:secret');
    await account('acct-two-admin:secret');
    const keys = h.emulator.faults.callsTo('billing').map((c) => c.key);
    expect(keys).toEqual(['acct-one-admin:secret', 'acct-two-admin:secret']);
  });
});

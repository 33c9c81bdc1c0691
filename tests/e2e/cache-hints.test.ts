import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { rawRpc } from '../helpers/raw-rpc.js';

const rpc = (h: Harness, method: string, params: Record<string, unknown> = {}, url = IN_PROCESS_URL) =>
  rawRpc(method, params, {
    fetch: h.inProcessFetch,
    url,
    ...(typeof params.uri === 'string' ? { name: params.uri } : {}),
  });

describe('cache hints on the 2026-07-28 listings', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it.each([
    ['server/discover', {}, 600_000, 'public'],
    ['tools/list', {}, 300_000, 'private'],
    ['resources/list', {}, 600_000, 'public'],
    ['resources/templates/list', {}, 600_000, 'public'],
    ['resources/read', { uri: 'fal://models/fal-ai/flux/dev' }, 300_000, 'private'],
    ['prompts/list', {}, 600_000, 'public'],
  ] as const)('%s: ttlMs %j, %s', async (method, params, ttlMs, cacheScope) => {
    const { result, error } = await rpc(h, method, params);
    expect(error).toBeUndefined();
    expect(result).toMatchObject({ ttlMs, cacheScope });
  });

  it('tools/list is private because it differs by request headers', async () => {
    const all = await rpc(h, 'tools/list');
    const some = await rpc(h, 'tools/list', {}, `${IN_PROCESS_URL}?toolsets=discovery`);
    const count = (r: { result?: Record<string, unknown> }) =>
      (r.result?.tools as unknown[] | undefined)?.length ?? 0;
    expect(count(some)).toBeGreaterThan(0);
    expect(count(some)).toBeLessThan(count(all));
    expect(some.result?.cacheScope).toBe('private');
  });
});

describe('the make_with_fal prompt', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it('is listed, and spells out the steps with the budget as max_cost_usd', async () => {
    const listed = await rpc(h, 'prompts/list');
    expect(listed.result?.prompts).toMatchObject([
      { name: 'make_with_fal', arguments: [{ name: 'task', required: true }, { name: 'budget_usd' }] },
    ]);
    const got = await rawRpc(
      'prompts/get',
      { name: 'make_with_fal', arguments: { task: 'a fox video', budget_usd: '0.50' } },
      { fetch: h.inProcessFetch, url: IN_PROCESS_URL, name: 'make_with_fal' },
    );
    const text = JSON.stringify(got.result?.messages);
    expect(text).toContain('a fox video');
    expect(text).toContain('recommend_model');
    expect(text).toContain('max_cost_usd: 0.50');
  });
});

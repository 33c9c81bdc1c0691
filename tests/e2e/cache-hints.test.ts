import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

/** A raw 2026-07-28 request: the envelope the spec requires, nothing the SDK client would add. */
async function rpc(h: Harness, method: string, params: Record<string, unknown> = {}, url = IN_PROCESS_URL) {
  const res = await h.inProcessFetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(typeof params.uri === 'string' ? { 'mcp-name': params.uri } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  });
  return (await res.json()) as { result?: Record<string, unknown>; error?: unknown };
}

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

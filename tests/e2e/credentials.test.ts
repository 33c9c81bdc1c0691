import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { connectModern, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const CALLER_KEY = 'caller-id:caller-secret';
const OPERATOR_KEY = 'operator-id:operator-secret';
const TOKEN = 'access-token-for-alice-0123456789abcdef';

async function pricingAs(h: Harness, headers: Record<string, string>) {
  const client = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch, headers });
  try {
    return await client.callTool('get_pricing', { models: ['flux_dev'] });
  } finally {
    await client.close();
  }
}

const lastPricingKey = (h: Harness) => h.emulator.faults.callsTo('pricing').at(-1)?.key;

describe('caller-key mode (no FAL_KEY on the server)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it.each([
    ['X-Fal-Key', { 'X-Fal-Key': CALLER_KEY }],
    ['Authorization: Key', { Authorization: `Key ${CALLER_KEY}` }],
    ['Authorization: Bearer', { Authorization: `Bearer ${CALLER_KEY}` }],
  ])('takes the key from %s', async (_form, headers) => {
    const result = await pricingAs(h, headers);
    expect(result.isError).toBeFalsy();
    expect(lastPricingKey(h)).toBe(CALLER_KEY);
  });

  it('prefers X-Fal-Key over Authorization', async () => {
    await pricingAs(h, { 'X-Fal-Key': CALLER_KEY, Authorization: 'Bearer other-id:other-secret' });
    expect(lastPricingKey(h)).toBe(CALLER_KEY);
  });

  it('without a key, browsing works and keyed tools say which header to send', async () => {
    const client = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
    const list = await client.callTool('list_models', { limit: 1 });
    expect(list.isError).toBeFalsy();
    const priced = await client.callTool('get_pricing', { models: ['flux_dev'] });
    expect(priced.isError).toBe(true);
    expect(textOf(priced)).toMatch(/X-Fal-Key/);
    await client.close();
  });

  it('refuses an unsupported Authorization scheme with 401', async () => {
    const res = await h.app.request('/mcp', {
      method: 'POST',
      headers: { Authorization: 'Basic dXNlcjpwYXNz', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/X-Fal-Key/);
  });

  it('maps a key fal refuses to a clear tool error, without unrelated advice', async () => {
    const result = await pricingAs(h, { 'X-Fal-Key': 'invalid-id:invalid-secret' });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'fal refused the key (HTTP 401): Invalid or missing API key. Check the key you send in X-Fal-Key.',
    );
  });

  it.each([
    [
      'X-Fal-Key with a "Key " prefix',
      { 'X-Fal-Key': `Key ${CALLER_KEY}` },
      /X-Fal-Key header is malformed: it starts with "Key " \(X-Fal-Key takes the key alone: drop the prefix\)/,
    ],
    [
      'a key with whitespace inside',
      { 'X-Fal-Key': 'caller-id: caller-secret' },
      /contains whitespace \(a copy-paste accident\?/,
    ],
    ['an overlong value', { 'X-Fal-Key': 'k'.repeat(5000) }, /is 5000 characters long/],
    [
      'Authorization: Key with whitespace in the key',
      { Authorization: 'Key caller-id: caller-secret' },
      /Unsupported Authorization header: its value contains whitespace/,
    ],
    ['Authorization: Key Key …', { Authorization: `Key Key ${CALLER_KEY}` }, /its value starts with "Key "/],
  ])('says what is wrong with %s', async (_case, headers, message) => {
    const res = await h.app.request('/mcp', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    const text = ((await res.json()) as { error: { message: string } }).error.message;
    expect(text).toMatch(message);
    expect(text).not.toContain('caller-secret');
  });
});

describe('shared-key mode (FAL_KEY + MCP_AUTH_TOKENS)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { FAL_KEY: OPERATOR_KEY, MCP_AUTH_TOKENS: `other-token-for-bob-0123456789abcdef, ${TOKEN}` },
    });
  });
  afterAll(() => h.close());

  it('a valid access token runs calls on the operator key', async () => {
    const result = await pricingAs(h, { Authorization: `Bearer ${TOKEN}` });
    expect(result.isError).toBeFalsy();
    expect(lastPricingKey(h)).toBe(OPERATOR_KEY);
  });

  it('a valid token plus X-Fal-Key runs on the caller key', async () => {
    await pricingAs(h, { Authorization: `Bearer ${TOKEN}`, 'X-Fal-Key': CALLER_KEY });
    expect(lastPricingKey(h)).toBe(CALLER_KEY);
  });

  it.each([
    ['a wrong token', { Authorization: 'Bearer not-a-token' }],
    ['no token', {}],
    ['only a fal key', { 'X-Fal-Key': CALLER_KEY }],
  ])('%s gets 401 with a challenge', async (_case, headers: Record<string, string>) => {
    const res = await h.app.request('/mcp', {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } });
  });

  it('GET / offers the connect line this mode accepts: the access token, not a fal key alone', async () => {
    const body = (await (await h.app.request('/')).json()) as {
      connect: {
        claude_code: string;
        mcp_json: { mcpServers: { fal: { headers: Record<string, string> } } };
      };
    };
    expect(body.connect.claude_code).toContain('--header "Authorization: Bearer $MCP_ACCESS_TOKEN"');
    expect(body.connect.claude_code).not.toContain('X-Fal-Key');
    expect(body.connect.mcp_json.mcpServers.fal.headers).toEqual({
      Authorization: 'Bearer <access token from the operator>',
    });
  });

  it('crawls the shared catalogue with the operator key, never a caller key', () => {
    const crawl = h.emulator.faults.callsTo('models');
    expect(crawl.length).toBeGreaterThan(0);
    expect(crawl.every((c) => c.key === OPERATOR_KEY)).toBe(true);
  });
});

describe('start-up refusal', () => {
  it('refuses FAL_KEY without MCP_AUTH_TOKENS', () => {
    expect(() => loadConfig({ FAL_KEY: OPERATOR_KEY })).toThrow(ConfigError);
    expect(() => loadConfig({ FAL_KEY: OPERATOR_KEY })).toThrow(
      /^MCP_AUTH_TOKENS: .*INSECURE_ALLOW_SHARED_KEY_WITHOUT_AUTH/,
    );
  });

  it('accepts it when the operator opts out explicitly', () => {
    const config = loadConfig({ FAL_KEY: OPERATOR_KEY, INSECURE_ALLOW_SHARED_KEY_WITHOUT_AUTH: 'true' });
    expect(config.auth.kind).toBe('open-shared-key');
  });
});

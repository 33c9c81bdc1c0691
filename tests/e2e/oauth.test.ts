import { Client, StreamableHTTPClientTransport, UnauthorizedError } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrantSealer } from '../../src/auth/oauth/grants.js';
import { Sealer } from '../../src/lib/seal.js';
import { Secret } from '../../src/lib/secret.js';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { receivedResults } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import {
  consentWithKey,
  MemoryOAuthProvider,
  OTHER_OAUTH_SECRET,
  openConsent,
  submitConsent,
  TEST_OAUTH_SECRET,
} from '../helpers/oauth.js';

const BASE = new URL(IN_PROCESS_URL).origin;
const RESOURCE = `${BASE}/mcp`;
const USER_KEY = 'oauth-user-id:oauth-user-secret';
const REDIRECT = 'http://127.0.0.1:43123/callback';
const CIMD_URL = 'https://client.example/oauth/metadata.json';

const LIFETIMES = { accessSeconds: 3600, refreshSeconds: 86_400, codeSeconds: 60, consentSeconds: 600 };
/** Seal grants exactly as the server would, with any secret and any clock. */
const sealerFor = (secret: string, now = Date.now) =>
  new GrantSealer(new Sealer([new Secret(secret)]), LIFETIMES, now);
const grant = (resource = RESOURCE) => ({
  key: new Secret(USER_KEY),
  clientId: 'c',
  resource,
  scope: undefined,
});

async function mcpStatus(h: Harness, authorization?: string) {
  const res = await h.inProcessFetch(IN_PROCESS_URL, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });
  return { status: res.status, challenge: res.headers.get('www-authenticate') ?? '', body: await res.text() };
}

/** Discovery → registration → consent (form submitted) → token, driven by the SDK v2 client. */
async function signIn(h: Harness, provider: MemoryOAuthProvider) {
  const fetchFn = h.inProcessFetch;
  const first = new StreamableHTTPClientTransport(new URL(IN_PROCESS_URL), {
    authProvider: provider,
    fetch: fetchFn,
  });
  const client = new Client(
    { name: 'oauth-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.authorizationUrl).toBeDefined();
  const callback = await consentWithKey(fetchFn, BASE, provider.authorizationUrl as URL, USER_KEY);
  await first.finishAuth(callback);
  const connected = new Client(
    { name: 'oauth-test', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  await connected.connect(
    new StreamableHTTPClientTransport(new URL(IN_PROCESS_URL), { authProvider: provider, fetch: fetchFn }),
  );
  return { client: connected, callback };
}

describe('OAuth sign-in with sealed tokens', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { OAUTH_SECRET: TEST_OAUTH_SECRET },
      fetchClientMetadata: async (url) => {
        if (url !== CIMD_URL) throw new Error('no such document');
        return {
          client_id: CIMD_URL,
          client_name: 'Metadata-document client',
          redirect_uris: [REDIRECT],
          token_endpoint_auth_method: 'none',
        };
      },
    });
  });
  afterAll(() => h.close());

  it('serves RFC 9728 and RFC 8414 metadata that point at each other', async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]) {
      const prm = (await (await h.inProcessFetch(`${BASE}${path}`)).json()) as Record<string, unknown>;
      expect(prm).toMatchObject({ resource: RESOURCE, authorization_servers: [BASE] });
    }
    const as = (await (
      await h.inProcessFetch(`${BASE}/.well-known/oauth-authorization-server`)
    ).json()) as Record<string, unknown>;
    expect(as).toMatchObject({
      issuer: BASE,
      authorization_endpoint: `${BASE}/authorize`,
      token_endpoint: `${BASE}/token`,
      registration_endpoint: `${BASE}/register`,
      code_challenge_methods_supported: ['S256'],
      client_id_metadata_document_supported: true,
    });
  });

  it('answers browser clients cross-origin on discovery, registration and token, and nowhere else', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/register', '/token']) {
      const preflight = await h.inProcessFetch(`${BASE}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://inspector.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
      expect([path, preflight.status]).toEqual([path, 204]);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
      expect(preflight.headers.get('access-control-allow-methods')).toBe('GET,POST,OPTIONS');
      expect(preflight.headers.get('access-control-max-age')).toBe('86400');
    }
    const metadata = await h.inProcessFetch(`${BASE}/.well-known/oauth-authorization-server`, {
      headers: { origin: 'https://inspector.example' },
    });
    expect(metadata.headers.get('access-control-allow-origin')).toBe('*');
    expect(metadata.headers.get('cache-control')).toBe('no-store');
    // The MCP endpoint and the consent page are not opened to other origins by the OAuth routes.
    for (const path of ['/mcp', '/authorize']) {
      const res = await h.inProcessFetch(`${BASE}${path}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://inspector.example', 'access-control-request-method': 'POST' },
      });
      expect([path, res.headers.get('access-control-allow-origin')]).toEqual([path, null]);
    }
  });

  it('serves the consent page unframeable, uncached and without scripts', async () => {
    const registered = (await (
      await h.inProcessFetch(`${BASE}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'Header check', redirect_uris: [REDIRECT] }),
      })
    ).json()) as { client_id: string };
    const page = await h.inProcessFetch(
      `${BASE}/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: registered.client_id,
        redirect_uri: REDIRECT,
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      })}`,
    );
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('challenges a request without a credential with WWW-Authenticate resource_metadata', async () => {
    const res = await mcpStatus(h);
    expect(res.status).toBe(401);
    expect(res.challenge).toBe(`Bearer resource_metadata="${BASE}/.well-known/oauth-protected-resource/mcp"`);
  });

  it('runs the whole flow through the SDK client: DCR, consent, token, a call on the user key, refresh', async () => {
    const provider = new MemoryOAuthProvider(REDIRECT);
    const { client, callback } = await signIn(h, provider);
    // Registration was stateless: the client id is a sealed registration, not a database row.
    expect(provider.clientInformation()?.client_id).toMatch(/^fmcp_client\./);
    expect(callback.get('iss')).toBe(BASE);
    const tokens = provider.tokens();
    expect(tokens?.access_token).toMatch(/^fmcp_at\./);
    expect(tokens?.refresh_token).toMatch(/^fmcp_rt\./);
    expect(JSON.stringify(tokens)).not.toContain(USER_KEY);

    h.emulator.faults.clear();
    const priced = await client.callTool({ name: 'get_pricing', arguments: { models: ['flux_dev'] } });
    receivedResults.push(JSON.stringify(priced));
    expect(priced.isError).toBeFalsy();
    expect(h.emulator.faults.callsTo('pricing').map((c) => c.key)).toEqual([USER_KEY]);

    // An access token past its expiry: the SDK gets 401, refreshes with the refresh token, retries.
    const expired = sealerFor(TEST_OAUTH_SECRET, () => Date.now() - 2 * 3600_000).tokens({
      ...grant(),
      clientId: provider.clientInformation()?.client_id as string,
    }).access_token;
    provider.saveTokens({ ...(tokens as NonNullable<typeof tokens>), access_token: expired });
    const again = await client.callTool({
      name: 'get_pricing',
      arguments: { models: ['fal-ai/flux/schnell'] },
    });
    receivedResults.push(JSON.stringify(again));
    expect(again.isError).toBeFalsy();
    const refreshed = provider.tokens();
    expect(refreshed?.access_token).not.toBe(expired);
    expect(refreshed?.access_token).toMatch(/^fmcp_at\./);
    expect(h.logRecords().some((r) => r.msg === 'oauth tokens issued' && r.grant === 'refresh_token')).toBe(
      true,
    );
    // The call, the refresh's fresh check of the key with fal, the call again: all on the user's key.
    expect(h.emulator.faults.callsTo('pricing').map((c) => c.key)).toEqual([USER_KEY, USER_KEY, USER_KEY]);
    await client.close();
  });

  it('registers through a Client ID Metadata Document when the client offers one', async () => {
    const provider = new MemoryOAuthProvider(REDIRECT, CIMD_URL);
    const { client } = await signIn(h, provider);
    expect(provider.clientInformation()?.client_id).toBe(CIMD_URL);
    const list = await client.listTools();
    expect(list.tools.map((t) => t.name)).toEqual(ALL_TOOLS.map((t) => t.name));
    await client.close();
  });

  it('works for a 2025-era client (SDK 1.x) too', async () => {
    const provider = new MemoryOAuthProvider(REDIRECT);
    const first = new LegacyTransport(new URL(IN_PROCESS_URL), {
      authProvider: provider,
      fetch: h.inProcessFetch,
    });
    await expect(new LegacyClient({ name: 'legacy', version: '1' }).connect(first)).rejects.toThrow(
      /Unauthorized/,
    );
    const callback = await consentWithKey(h.inProcessFetch, BASE, provider.authorizationUrl as URL, USER_KEY);
    await first.finishAuth(callback.get('code') as string);
    const client = new LegacyClient({ name: 'legacy', version: '1' });
    await client.connect(
      new LegacyTransport(new URL(IN_PROCESS_URL), { authProvider: provider, fetch: h.inProcessFetch }),
    );
    h.emulator.faults.clear();
    // A model this tenant has not priced yet, so the call reaches fal (prices are cached per tenant).
    const priced = await client.callTool({
      name: 'get_pricing',
      arguments: { models: ['fal-ai/flux-pro/v1.1'] },
    });
    receivedResults.push(JSON.stringify(priced));
    expect(priced.isError).toBeFalsy();
    expect(h.emulator.faults.callsTo('pricing').map((c) => c.key)).toEqual([USER_KEY]);
    await client.close();
  });

  it.each([
    [
      'tampered',
      () => {
        const token = sealerFor(TEST_OAUTH_SECRET).tokens(grant()).access_token;
        const last = token.at(-5) === 'A' ? 'B' : 'A';
        return `${token.slice(0, -5)}${last}${token.slice(-4)}`;
      },
      /not valid/,
    ],
    [
      'expired',
      () => sealerFor(TEST_OAUTH_SECRET, () => Date.now() - 7200_000).tokens(grant()).access_token,
      /expired/,
    ],
    [
      'for another audience',
      () => sealerFor(TEST_OAUTH_SECRET).tokens(grant('https://elsewhere.example/mcp')).access_token,
      /another server/,
    ],
    [
      'sealed with another secret',
      () => sealerFor(OTHER_OAUTH_SECRET).tokens(grant()).access_token,
      /not valid/,
    ],
    [
      'a refresh token used as an access token',
      () => {
        const refresh = sealerFor(TEST_OAUTH_SECRET).tokens(grant()).refresh_token;
        return refresh.replace(/^fmcp_rt\./, 'fmcp_at.');
      },
      /not valid/,
    ],
  ])('refuses an access token that is %s with 401 invalid_token', async (_what, make, message) => {
    const res = await mcpStatus(h, `Bearer ${make()}`);
    expect(res.status).toBe(401);
    expect(res.challenge).toMatch(/^Bearer error="invalid_token"/);
    expect(res.challenge).toContain(`resource_metadata="${BASE}/.well-known/oauth-protected-resource/mcp"`);
    expect(res.body).toMatch(message);
  });

  it('accepts a valid sealed token, and a plain header key still works beside OAuth', async () => {
    expect(
      (await mcpStatus(h, `Bearer ${sealerFor(TEST_OAUTH_SECRET).tokens(grant()).access_token}`)).status,
    ).toBe(200);
    expect((await mcpStatus(h, `Key ${USER_KEY}`)).status).toBe(200);
  });
});

describe('OAuth protocol errors', () => {
  let h: Harness;
  let clientId: string;
  beforeAll(async () => {
    h = await startHarness({
      env: { OAUTH_SECRET: TEST_OAUTH_SECRET },
      emulator: { invalidKeys: ['refused-id:refused-secret'] },
    });
    const res = await h.inProcessFetch(`${BASE}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Errors <b>client</b>', redirect_uris: [REDIRECT] }),
    });
    expect(res.status).toBe(201);
    clientId = ((await res.json()) as { client_id: string }).client_id;
  });
  afterAll(() => h.close());

  const verifier = `${'v'.repeat(43)}erifier-with-enough-entropy`;
  const challengeOf = async (v: string) => {
    const { createHash } = await import('node:crypto');
    return createHash('sha256').update(v).digest('base64url');
  };
  const authorizeUrl = async (overrides: Record<string, string> = {}) =>
    `${BASE}/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: await challengeOf(verifier),
      code_challenge_method: 'S256',
      state: 'xyz',
      resource: RESOURCE,
      ...overrides,
    })}`;
  const codeFor = async () => {
    const params = await consentWithKey(h.inProcessFetch, BASE, await authorizeUrl(), USER_KEY);
    expect(params.get('state')).toBe('xyz');
    return params.get('code') as string;
  };
  const token = (body: Record<string, string>) =>
    h.inProcessFetch(`${BASE}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(body),
    });
  const exchange = (code: string, overrides: Record<string, string> = {}) =>
    token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: clientId,
      redirect_uri: REDIRECT,
      ...overrides,
    });

  it('exchanges a code once; the second use is invalid_grant', async () => {
    const code = await codeFor();
    expect(code).not.toContain(USER_KEY);
    const first = await exchange(code);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const second = await exchange(code);
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/already used/),
    });
  });

  it('refuses a PKCE mismatch with invalid_grant', async () => {
    const res = await exchange(await codeFor(), { code_verifier: 'w'.repeat(50) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/PKCE/),
    });
  });

  it('refuses a code presented with another redirect_uri or client, or for another resource', async () => {
    expect(
      await (await exchange(await codeFor(), { redirect_uri: 'http://127.0.0.1:1/other' })).json(),
    ).toMatchObject({ error: 'invalid_grant' });
    expect(await (await exchange(await codeFor(), { client_id: 'someone-else' })).json()).toMatchObject({
      error: 'invalid_grant',
    });
    expect(
      await (await exchange(await codeFor(), { resource: 'https://elsewhere.example/mcp' })).json(),
    ).toMatchObject({ error: 'invalid_target' });
  });

  it('a refresh token works once: used again, it ends the whole sign-in', async () => {
    const tokens = (await (await exchange(await codeFor())).json()) as { refresh_token: string };
    const first = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(first.status).toBe(200);
    const rotated = ((await first.json()) as { refresh_token: string }).refresh_token;
    expect(rotated).not.toBe(tokens.refresh_token);
    // The old one again (a stolen copy, or a replay): refused, and the sign-in it belongs to ends.
    const replay = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(await replay.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/already used, so the sign-in was ended/),
    });
    expect(await (await token({ grant_type: 'refresh_token', refresh_token: rotated })).json()).toMatchObject(
      {
        error: 'invalid_grant',
        error_description: expect.stringMatching(/This sign-in was ended/),
      },
    );
    expect(h.logRecords().some((r) => r.msg === 'refresh token used twice; sign-in ended')).toBe(true);
  });

  it('a refresh checks the key with fal again: a key fal no longer accepts ends the sign-in', async () => {
    const refused = { ...grant(), key: new Secret('refused-id:refused-secret') };
    const stale = sealerFor(TEST_OAUTH_SECRET).tokens(refused).refresh_token;
    expect(await (await token({ grant_type: 'refresh_token', refresh_token: stale })).json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/fal no longer accepts the key/),
    });
  });

  it('refreshes with a refresh token, and refuses one bound to another client or sealed elsewhere', async () => {
    const tokens = (await (await exchange(await codeFor())).json()) as {
      refresh_token: string;
      access_token: string;
    };
    const ok = await token({
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
      client_id: clientId,
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      token_type: 'Bearer',
      access_token: expect.stringMatching(/^fmcp_at\./),
    });
    expect(
      await (
        await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: 'other' })
      ).json(),
    ).toMatchObject({ error: 'invalid_grant' });
    const foreign = sealerFor(OTHER_OAUTH_SECRET).tokens(grant()).refresh_token;
    expect(await (await token({ grant_type: 'refresh_token', refresh_token: foreign })).json()).toMatchObject(
      { error: 'invalid_grant' },
    );
    expect(
      await (await token({ grant_type: 'refresh_token', refresh_token: tokens.access_token })).json(),
    ).toMatchObject({ error: 'invalid_grant' });
    expect(await (await token({ grant_type: 'password' })).json()).toMatchObject({
      error: 'unsupported_grant_type',
    });
  });

  it('says which parameters a grant is missing (empty counts as missing), before anything is opened', async () => {
    const code = await codeFor();
    for (const [params, description] of [
      [
        { grant_type: 'authorization_code', code, client_id: clientId },
        /Send code, code_verifier, client_id and redirect_uri/,
      ],
      [
        {
          grant_type: 'authorization_code',
          code: '',
          code_verifier: 'v',
          client_id: clientId,
          redirect_uri: 'x',
        },
        /Send code/,
      ],
      [{ grant_type: 'refresh_token', refresh_token: '' }, /Send refresh_token/],
      [{}, /Use authorization_code or refresh_token/],
    ] as const) {
      const res = await token(params);
      expect([params, res.status]).toEqual([params, 400]);
      expect(await res.json()).toMatchObject({ error_description: expect.stringMatching(description) });
    }
    // The code was never opened above: it still exchanges.
    expect((await exchange(code)).status).toBe(200);
  });

  it('shows a page, never a redirect, for an unregistered redirect URI or an unknown client', async () => {
    for (const url of [
      await authorizeUrl({ redirect_uri: 'https://attacker.example/cb' }),
      await authorizeUrl({ client_id: 'made-up' }),
    ]) {
      const res = await h.inProcessFetch(url, { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).toMatch(/Cannot sign in/);
    }
  });

  it('shows protocol errors on a page, never a redirect, before the user has acted', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ code_challenge_method: 'plain' }, 'invalid_request'],
      [{ code_challenge: '' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ resource: 'https://elsewhere.example/mcp' }, 'invalid_target'],
    ];
    // A parameter left out is refused as plainly as a wrong one.
    const without = async (name: string) => {
      const url = new URL(await authorizeUrl({}));
      url.searchParams.delete(name);
      return url.href;
    };
    const missing: [string, string][] = [
      [await without('response_type'), 'unsupported_response_type'],
      [await without('code_challenge'), 'invalid_request'],
      [await without('code_challenge_method'), 'invalid_request'],
    ];
    for (const [url, error] of missing) {
      const html = await (await h.inProcessFetch(url, { redirect: 'manual' })).text();
      expect(html).toContain(`(${error})`);
      expect(html).not.toMatch(/Invalid key|received undefined/);
    }
    for (const [overrides, error] of cases) {
      const res = await h.inProcessFetch(await authorizeUrl(overrides), { redirect: 'manual' });
      expect(res.status).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      const html = await res.text();
      expect(html).toMatch(/Cannot sign in/);
      expect(html).toContain(`(${error})`);
    }
  });

  it('a self-registered client pointing at another site is not redirected to: no open redirector', async () => {
    const registered = await h.inProcessFetch(`${BASE}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'Totally Claude', redirect_uris: ['https://evil.example/cb'] }),
    });
    const { client_id } = (await registered.json()) as { client_id: string };
    const lure = `${BASE}/authorize?${new URLSearchParams({ client_id, response_type: 'token', state: 's' })}`;
    const res = await h.inProcessFetch(lure, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    // A well-formed request shows the consent page: the name is marked as the client's own claim,
    // and where the user would be sent is said plainly.
    const consent = await openConsent(
      h.inProcessFetch,
      `${BASE}/authorize?${new URLSearchParams({
        client_id,
        response_type: 'code',
        code_challenge: await challengeOf(verifier),
        code_challenge_method: 'S256',
      })}`,
    );
    expect(consent.status).toBe(200);
    expect(consent.html).toMatch(
      /A client calling itself <strong>Totally Claude<\/strong> <span class="tag">name not verified<\/span>/,
    );
    expect(consent.html).toMatch(
      /you are sent back to <strong><code>https:\/\/evil\.example<\/code><\/strong>/,
    );
    expect(consent.html).not.toMatch(/<h1>[^<]*Totally Claude/);
  });

  it('refuses dangerous redirect URIs at registration', async () => {
    for (const uri of [
      'javascript:alert(1)',
      'http://attacker.example/cb',
      'https://x.example/cb#frag',
      'not a url',
      'chrome://settings',
      'view-source:https://x.example/',
      'jar:https://x.example/a.jar!/',
      'about:blank',
      'blob:https://x.example/1234',
      'data:text/html,hi',
      'file:///etc/passwd',
      'myapp://cb',
    ]) {
      const res = await h.inProcessFetch(`${BASE}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [uri] }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_redirect_uri');
    }
  });

  it('accepts https, loopback http, reverse-domain and known app schemes as redirect URIs', async () => {
    for (const uri of [
      'https://app.example/cb',
      'http://127.0.0.1:5555/cb',
      'http://localhost/cb',
      'com.example.app:/oauth/callback',
      'cursor://anysphere.cursor-retrieval/oauth/callback',
      'vscode://vscode.mcp/callback',
    ]) {
      const res = await h.inProcessFetch(`${BASE}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [uri] }),
      });
      expect(res.status, uri).toBe(201);
    }
  });

  it('consent page: escapes client data, sets a CSRF cookie and no-framing headers', async () => {
    const form = await openConsent(h.inProcessFetch, await authorizeUrl());
    expect(form.status).toBe(200);
    expect(form.html).toContain('Errors &lt;b&gt;client&lt;/b&gt;');
    expect(form.html).not.toContain('<b>client</b>');
    expect(form.html).toMatch(/does not store it/);
    expect(form.html).toContain(BASE);
    expect(form.cookie).toMatch(/^fmcp_csrf=/);
  });

  it('refuses a form without the CSRF cookie, from another origin, or with a forged request', async () => {
    const form = await openConsent(h.inProcessFetch, await authorizeUrl());
    const noCookie = await submitConsent(
      h.inProcessFetch,
      BASE,
      { ...form, cookie: '' },
      { fal_key: USER_KEY },
    );
    expect(noCookie.status).toBe(400);
    expect(await noCookie.text()).toMatch(/no longer valid/);
    const crossSite = await submitConsent(
      h.inProcessFetch,
      BASE,
      form,
      { fal_key: USER_KEY },
      { origin: 'https://attacker.example' },
    );
    expect(crossSite.status).toBe(403);
    const forged = await submitConsent(
      h.inProcessFetch,
      BASE,
      { ...form, sealedRequest: 'fmcp_consent.x.y' },
      { fal_key: USER_KEY },
    );
    expect(forged.status).toBe(400);
  });

  it('checks the key with fal before issuing a code: a refused key re-renders the page', async () => {
    const form = await openConsent(h.inProcessFetch, await authorizeUrl());
    const refused = await submitConsent(h.inProcessFetch, BASE, form, {
      fal_key: 'refused-id:refused-secret',
    });
    expect(refused.status).toBe(400);
    expect(refused.headers.get('location')).toBeNull();
    const page = await refused.text();
    expect(page).toMatch(/fal did not accept this key/);
    expect(page).not.toContain('refused-secret');
    const empty = await submitConsent(h.inProcessFetch, BASE, form, { fal_key: '  ' });
    expect(await empty.text()).toMatch(/Paste your fal key/);
    // The same page still works once a good key is pasted.
    const ok = await submitConsent(h.inProcessFetch, BASE, form, { fal_key: USER_KEY });
    expect(ok.status).toBe(303);
  });

  it('says fal is unavailable when the key check cannot reach fal', async () => {
    h.emulator.faults.inject('pricing', { status: 503 });
    try {
      const form = await openConsent(h.inProcessFetch, await authorizeUrl());
      const res = await submitConsent(h.inProcessFetch, BASE, form, { fal_key: USER_KEY });
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/Could not reach fal/);
    } finally {
      h.emulator.faults.clear();
    }
  });

  it('Cancel sends access_denied back to the client', async () => {
    const form = await openConsent(h.inProcessFetch, await authorizeUrl());
    const res = await submitConsent(h.inProcessFetch, BASE, form, { action: 'deny' });
    const back = new URL(res.headers.get('location') as string);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe('xyz');
  });

  it('never writes the key, a code or a token into the logs', async () => {
    await exchange(await codeFor());
    const logs = h.logText();
    expect(logs).not.toContain(USER_KEY);
    expect(logs).not.toMatch(/fmcp_(at|rt|code)\./);
  });
});

describe('OAuth secret rotation', () => {
  it('a token sealed with the old secret verifies while the old secret is listed, not after', async () => {
    const old = sealerFor(OTHER_OAUTH_SECRET).tokens(grant()).access_token;
    const both = await startHarness({ env: { OAUTH_SECRET: `${TEST_OAUTH_SECRET},${OTHER_OAUTH_SECRET}` } });
    try {
      expect((await mcpStatus(both, `Bearer ${old}`)).status).toBe(200);
      // New tokens are sealed with the first secret: they open where only that one is listed.
      const fresh = sealerFor(TEST_OAUTH_SECRET).tokens(grant()).access_token;
      expect((await mcpStatus(both, `Bearer ${fresh}`)).status).toBe(200);
    } finally {
      await both.close();
    }
    const rotated = await startHarness({ env: { OAUTH_SECRET: TEST_OAUTH_SECRET } });
    try {
      expect((await mcpStatus(rotated, `Bearer ${old}`)).status).toBe(401);
    } finally {
      await rotated.close();
    }
  });
});

describe('without OAUTH_SECRET', () => {
  it('exposes no OAuth endpoint and keeps anonymous browsing', async () => {
    const h = await startHarness();
    try {
      expect((await h.inProcessFetch(`${BASE}/.well-known/oauth-authorization-server`)).status).toBe(404);
      expect((await h.inProcessFetch(`${BASE}/authorize`)).status).toBe(404);
      expect((await mcpStatus(h)).status).toBe(200);
    } finally {
      await h.close();
    }
  });
});

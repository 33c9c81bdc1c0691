import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../emulator/app.js';
import { connectModern, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { authorizationCode, TEST_OAUTH_SECRET } from '../helpers/oauth.js';
import { spawnServer } from '../helpers/spawn-server.js';

const BASE = new URL(IN_PROCESS_URL).origin;
const LEGACY = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const call = (name: string, args: Record<string, unknown>) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });

describe('shared-key mode: each access token is its own tenant', () => {
  const TOKEN_A = 'holder-a-access-token-0123456789abcdef';
  const TOKEN_B = 'holder-b-access-token-0123456789abcdef';
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({
      env: { FAL_KEY: 'operator-id:operator-secret', MCP_AUTH_TOKENS: `${TOKEN_A},${TOKEN_B}` },
    });
    h.emulator.state.setTiming('fal-ai/flux/dev', { queueMs: 60_000, runMs: 100 });
  });
  afterAll(() => h.close());
  const holder = (token: string) =>
    connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { Authorization: `Bearer ${token}` },
    });

  it("holder B cannot check or cancel holder A's job, even with its request id and model", async () => {
    const a = await holder(TOKEN_A);
    const b = await holder(TOKEN_B);
    const job = (await a.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'mine' } }))
      .structuredContent as {
      request_id: string;
    };
    for (const tool of ['check_job', 'cancel_job']) {
      const r = await b.callTool(tool, { request_id: job.request_id, model: 'fal-ai/flux/dev' });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/is not among the jobs this access token started here/);
    }
    expect(h.emulator.faults.callsTo('queue.cancel')).toHaveLength(0);
    expect(h.emulator.state.jobs.get(job.request_id)?.cancelled).toBe(false);
    // Its own holder still can.
    const mine = await a.callTool('cancel_job', { request_id: job.request_id });
    expect(mine.structuredContent).toMatchObject({ outcome: 'cancelled' });
    await Promise.all([a.close(), b.close()]);
  });
});

describe("the server's own grants are never a fal key", () => {
  it.each([
    ['OAuth on', true],
    ['OAuth off', false],
  ])(
    '%s: fmcp_ refresh tokens, codes and client ids get 401 invalid_token and are not forwarded',
    async (_, on) => {
      const h = await startHarness({ env: on ? { OAUTH_SECRET: TEST_OAUTH_SECRET } : {} });
      try {
        const grants = on
          ? await (async () => {
              const { code, exchange } = await authorizationCode(
                h.inProcessFetch,
                BASE,
                'grant-user-id:secret',
              );
              const tokens = (await (
                await h.inProcessFetch(`${BASE}/token`, {
                  method: 'POST',
                  headers: { 'content-type': 'application/x-www-form-urlencoded' },
                  body: new URLSearchParams(exchange),
                })
              ).json()) as { refresh_token: string };
              return [tokens.refresh_token, code, exchange.client_id as string];
            })()
          : ['fmcp_rt.AAAA.bbbb', 'fmcp_code.CCCC.dddd', 'fmcp_client.EEEE.ffff'];
        for (const grant of grants) {
          for (const headers of [{ authorization: `Bearer ${grant}` }, { 'x-fal-key': grant }]) {
            const res = await h.inProcessFetch(IN_PROCESS_URL, {
              method: 'POST',
              headers: { ...LEGACY, ...headers },
              body: call('get_pricing', { models: ['flux_dev'] }),
            });
            expect(res.status).toBe(401);
            expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
          }
        }
        const forwarded = h.emulator.faults.calls.filter((c) => c.key?.startsWith('fmcp_'));
        expect(forwarded).toEqual([]);
      } finally {
        await h.close();
      }
    },
  );
});

describe('protocol and network edges', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { METRICS_ENABLED: 'true', OAUTH_SECRET: TEST_OAUTH_SECRET } });
  });
  afterAll(() => h.close());

  it('2025-era framing: Mcp-Method and Mcp-Name that disagree with the body are refused (-32020)', async () => {
    const key = { 'x-fal-key': 'edges-id:edges-secret' };
    for (const headers of [
      { 'mcp-method': 'tools/list' },
      { 'mcp-method': 'tools/call', 'mcp-name': 'list_models' },
      { 'mcp-method': 'tools/call', 'mcp-name': '=?base64?bGlzdF9tb2RlbHM=?=' },
    ]) {
      const res = await h.inProcessFetch(IN_PROCESS_URL, {
        method: 'POST',
        headers: { ...LEGACY, ...key, ...headers },
        body: call('submit_job', { model: 'flux_dev', input: { prompt: 'x' } }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({
        // The request's own id: the spec's HeaderMismatchError requires it.
        id: 1,
        error: { code: -32020, message: expect.stringMatching(/^Header mismatch/) },
      });
    }
    expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(0);
    // A 200 KB name in the body: the refusal quotes a short prefix of it, and so do the logs.
    const logged = h.logText().length;
    const huge = await h.inProcessFetch(IN_PROCESS_URL, {
      method: 'POST',
      headers: { ...LEGACY, ...key, 'mcp-method': 'tools/call', 'mcp-name': 'list_models' },
      body: call('x'.repeat(200_000), {}),
    });
    const refusal = (await huge.json()) as { error: { message: string } };
    expect(refusal.error.message).toMatch(/but the body names "x{80}… \(200000 characters\)"/);
    expect(refusal.error.message.length).toBeLessThan(300);
    expect(h.logText().length - logged).toBeLessThan(5_000);
    // Agreeing headers (the name in its Base64 form too) pass.
    const ok = await h.inProcessFetch(IN_PROCESS_URL, {
      method: 'POST',
      headers: { ...LEGACY, ...key, 'mcp-method': 'tools/call', 'mcp-name': '=?base64?bGlzdF9tb2RlbHM=?=' },
      body: call('list_models', { limit: 1 }),
    });
    expect(ok.status).toBe(200);
  });

  it.each(['/health', '/ready', '/metrics', '/', '/.well-known/oauth-authorization-server', '/mcp'])(
    'Host validation covers %s: a foreign name gets 403, an address literal does not',
    async (path) => {
      const foreign = await h.app.request(`http://evil.example${path}`, {
        headers: { host: 'evil.example' },
      });
      expect(foreign.status).toBe(403);
      const literal = await h.app.request(`http://10.1.2.3:8080${path}`, {
        headers: { host: '10.1.2.3:8080' },
      });
      expect(literal.status).not.toBe(403);
    },
  );
});

describe('forged webhooks', () => {
  const forgedHeaders = () => ({
    'content-type': 'application/json',
    'x-fal-webhook-request-id': 'req-1',
    'x-fal-webhook-user-id': 'u',
    'x-fal-webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'x-fal-webhook-signature': 'ab'.repeat(64),
  });
  const body = JSON.stringify({ request_id: 'req-1', status: 'OK', payload: {} });

  it('to a token never issued: 404 unread, counted as failed authentication; past the budget, 429', async () => {
    const h = await startHarness({ publicUrl: true });
    try {
      const url = `${h.config.publicUrl}/webhooks/fal/${'x'.repeat(32)}`;
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        statuses.push((await fetch(url, { method: 'POST', headers: forgedHeaders(), body })).status);
      }
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(404));
      expect(statuses.slice(10)).toEqual([429, 429]);
    } finally {
      await h.close();
    }
  });

  it('on a real token, sent all at once: each counts before its body is read, so no more than the budget get read', async () => {
    const h = await startHarness({ publicUrl: true });
    const client = await connectModern({
      url: await h.listen(),
      headers: { 'X-Fal-Key': 'hook-id:hook-secret' },
    });
    try {
      h.emulator.state.setTiming('fal-ai/flux/dev', { queueMs: 60_000, runMs: 10 });
      const job = (await client.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'x' } }))
        .structuredContent as { request_id: string };
      const url = h.emulator.state.jobs.get(job.request_id)?.webhook ?? '';
      expect(url).toContain('/webhooks/fal/');
      const statuses = await Promise.all(
        Array.from({ length: 16 }, () =>
          fetch(url, { method: 'POST', headers: forgedHeaders(), body }).then((r) => r.status),
        ),
      );
      expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(10);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    } finally {
      await client.close();
      await h.close();
    }
  });
});

describe('slow clients', () => {
  it('headers that do not finish in time, and a body that does not, are cut off', async () => {
    // The defaults are 10 s and 30 s; the same deadlines, shortened, say the same in seconds.
    const emu = await startEmulator();
    const server = await spawnServer(emu, {
      env: { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' },
    });
    try {
      const { port } = new URL(server.url);
      const timeToClose = (payload: string) =>
        new Promise<number>((resolve, reject) => {
          const started = performance.now();
          const socket = connect(Number(port), '127.0.0.1', () => socket.write(payload));
          socket.on('close', () => resolve(performance.now() - started));
          // Read what the server says (its 408), or the socket never reports its end.
          socket.resume();
          socket.on('error', () => undefined);
          setTimeout(() => reject(new Error('still open after 15 s')), 15_000).unref();
        });
      const [headers, body] = await Promise.all([
        timeToClose('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n'),
        timeToClose(
          'POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"jsonrpc"',
        ),
      ]);
      console.log(`slow headers cut after ${Math.round(headers)} ms, slow body after ${Math.round(body)} ms`);
      // Never before its deadline; cut at all (the upper bound is only the 15 s the test waits).
      expect(headers).toBeGreaterThanOrEqual(950);
      expect(body).toBeGreaterThanOrEqual(1_950);
    } finally {
      server.kill();
      await emu.close();
    }
  });
});

describe('logs hold no secret of the request, whatever its shape', () => {
  it('a key that is not fal-shaped, echoed by upstream or passed as an argument, never reaches a log line', async () => {
    const ODD_KEY = 'plainsecretwithoutanycolonorshape42';
    const h = await startHarness();
    try {
      // fal quotes the key back in an error.
      h.emulator.inject('pricing', {
        status: 500,
        body: { detail: `upstream choked on ${ODD_KEY}` },
        times: 1,
      });
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': ODD_KEY },
      });
      await client.callTool('get_pricing', { models: ['flux_dev'] });
      // The agent pastes the key into arguments.
      await client.callTool('run_model', { model: 'flux_dev', input: { prompt: 'x', api_key: ODD_KEY } });
      await client.callTool('upload_file', { url: `http://localhost/${ODD_KEY}` });
      await client.callTool('check_job', { request_id: `${ODD_KEY}/x` });
      await client.close();
      // Sent in the path of a request: the access log's path is scrubbed too.
      await h.app.request(`/nothing-here/${ODD_KEY}`, { headers: { 'x-fal-key': ODD_KEY } });
      expect(h.logRecords().length).toBeGreaterThan(5);
      expect(h.logText()).not.toContain(ODD_KEY);
      expect(h.logText()).toContain('[redacted]');
    } finally {
      await h.close();
    }
  });
});

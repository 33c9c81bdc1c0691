import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
});
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('the HTTP surface', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { ALLOWED_ORIGINS: 'https://app.example.com', MAX_BODY_BYTES: '4096' } });
  });
  afterAll(() => h.close());

  it('GET /health answers without calling upstream', async () => {
    const before = h.emulator.faults.calls.length;
    const res = await h.app.request('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', version: expect.any(String) });
    expect(h.emulator.faults.calls.length).toBe(before);
  });

  it('echoes a request id, reusing a sane inbound one', async () => {
    const minted = await h.app.request('/health');
    expect(minted.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const reused = await h.app.request('/health', { headers: { 'x-request-id': 'lb-123' } });
    expect(reused.headers.get('x-request-id')).toBe('lb-123');
    const refused = await h.app.request('/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(refused.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });

  it('every answer carries the secure headers; HSTS only when served over https', async () => {
    for (const path of ['/health', '/', '/no-such-page']) {
      const res = await h.app.request(path);
      expect([path, res.headers.get('x-content-type-options')]).toEqual([path, 'nosniff']);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toBeNull();
    }
    const https = await startHarness({ env: { PUBLIC_URL: 'https://mcp.example.com' } });
    try {
      const res = await https.app.request('https://mcp.example.com/health');
      expect(res.headers.get('strict-transport-security')).toBe('max-age=15552000; includeSubDomains');
    } finally {
      await https.close();
    }
  });

  it.each(['GET', 'DELETE'])('%s /mcp is 405', async (method) => {
    const res = await h.app.request('/mcp', { method });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
  });

  it('a foreign Origin gets 403 with a JSON-RPC error body', async () => {
    const res = await h.app.request('/mcp', {
      method: 'POST',
      headers: { ...MCP_HEADERS, origin: 'https://evil.example.com' },
      body: INIT,
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({
      jsonrpc: '2.0',
      error: { message: expect.stringMatching(/Origin/) },
      id: null,
    });
  });

  it('a foreign Host gets 403 while bound to loopback', async () => {
    const res = await h.app.request('http://evil.example.com/mcp', {
      method: 'POST',
      headers: MCP_HEADERS,
      body: INIT,
    });
    expect(res.status).toBe(403);
  });

  it.each(['http://localhost:6274', 'http://127.0.0.1:3000', 'https://app.example.com'])(
    'Origin %s is allowed',
    async (origin) => {
      const res = await h.app.request('/mcp', {
        method: 'POST',
        headers: { ...MCP_HEADERS, origin },
        body: INIT,
      });
      expect(res.status).toBe(200);
    },
  );

  it('a body over MAX_BODY_BYTES gets 413', async () => {
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { pad: 'x'.repeat(8192) },
    });
    const res = await h.app.request('/mcp', { method: 'POST', headers: MCP_HEADERS, body: big });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/4096 bytes/);
  });

  it('over a socket: a declared length over MAX_BODY_BYTES is refused unread, a chunked body as it streams', async () => {
    const url = await h.listen();
    const pad = (n: number) =>
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { pad: 'x'.repeat(n) } });
    // fetch states the length of a string body.
    const declared = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: pad(8192) });
    expect(declared.status).toBe(413);
    // A stream has no length: it is counted as it arrives, and refused once past the limit.
    const chunks = [pad(8192).slice(0, 4000), pad(8192).slice(4000)];
    const streamed = await fetch(url, {
      method: 'POST',
      headers: MCP_HEADERS,
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next) controller.enqueue(new TextEncoder().encode(next));
          else controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // Under the limit, either way, the message is served.
    const small = await fetch(url, { method: 'POST', headers: MCP_HEADERS, body: pad(10) });
    expect(small.status).toBe(200);
  });

  it('GET / says what this is and how to connect', async () => {
    const res = await h.app.request('http://localhost:8080/');
    const body = (await res.json()) as {
      mcp: { endpoint: string };
      tools: string[];
      connect: { claude_code: string };
    };
    expect(body.mcp.endpoint).toBe('http://localhost:8080/mcp');
    expect(body.tools).toContain('list_models');
    expect(body.connect.claude_code).toMatch(
      /^claude mcp add --transport http fal http:\/\/localhost:8080\/mcp/,
    );
  });

  it('unknown paths are 404', async () => {
    expect((await h.app.request('/nope')).status).toBe(404);
  });
});

describe('GET /ready', () => {
  it('is 503 until the catalogue is loaded, then 200 with its state', async () => {
    const h = await startHarness();
    try {
      h.emulator.inject('models', { delayMs: 300, times: 1 });
      const first = await h.app.request('/ready');
      expect(first.status).toBe(503);
      expect(await first.json()).toMatchObject({ status: 'starting' });
      await h.services.registry.catalogue();
      const ready = await h.app.request('/ready');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        catalogue: { source: 'live', models: 1207, stale: false },
        upstream: { state: 'ok' },
      });
    } finally {
      await h.close();
    }
  });

  it('is 200 on the fallback list when fal is down, and says so', async () => {
    const h = await startHarness();
    try {
      h.emulator.inject('models', { status: 503 });
      await h.services.registry.catalogue();
      const res = await h.app.request('/ready');
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        catalogue: { source: 'fallback' },
        upstream: { state: 'degraded', last_error: 'API error (HTTP 503)' },
      });
    } finally {
      await h.close();
    }
  });
});

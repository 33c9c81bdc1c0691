import { describe, expect, it } from 'vitest';
import { connectModern, textOf } from '../helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const HEADERS = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });

describe('limits', () => {
  it('rate-limits per tenant with 429, Retry-After and a JSON-RPC body; tenants do not share a bucket', async () => {
    // The address's own bucket is made large here, so only the tenants' buckets are at work.
    const h = await startHarness({
      env: { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '3', RATE_LIMIT_IP_BURST: '100' },
    });
    try {
      const send = (key: string) =>
        h.app.request('/mcp', { method: 'POST', headers: { ...HEADERS, 'X-Fal-Key': key }, body: LIST });
      const a = [];
      for (let i = 0; i < 4; i++) a.push((await send('tenant-a-id:secret-a')).status);
      expect(a).toEqual([200, 200, 200, 429]);
      const limited = await send('tenant-a-id:secret-a');
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(await limited.json()).toMatchObject({
        jsonrpc: '2.0',
        error: { message: expect.stringMatching(/Rate limit exceeded.*retry after 1 s/) },
      });
      expect((await send('tenant-b-id:secret-b')).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('keys anonymous callers by client IP, from Fly-Client-IP only when told to trust it', async () => {
    const h = await startHarness({
      env: { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '1', TRUST_PROXY: 'fly' },
    });
    try {
      const send = (ip: string) =>
        h.app.request('/mcp', { method: 'POST', headers: { ...HEADERS, 'fly-client-ip': ip }, body: LIST });
      expect((await send('203.0.113.1')).status).toBe(200);
      expect((await send('203.0.113.1')).status).toBe(429);
      expect((await send('203.0.113.2')).status).toBe(200);
    } finally {
      await h.close();
    }
    const untrusting = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '1' } });
    try {
      const send = (ip: string) =>
        untrusting.app.request('/mcp', {
          method: 'POST',
          headers: { ...HEADERS, 'fly-client-ip': ip },
          body: LIST,
        });
      expect((await send('203.0.113.1')).status).toBe(200);
      // A spoofed header does not buy a fresh bucket.
      expect((await send('203.0.113.9')).status).toBe(429);
    } finally {
      await untrusting.close();
    }
  });

  it("caps each tenant's jobs being waited on", async () => {
    const h = await startHarness({ env: { MAX_CONCURRENT_JOBS_PER_TENANT: '1' } });
    try {
      // Long enough that the first job is still waited on when the second call comes.
      h.emulator.state.setTiming('fal-ai/flux/dev', { queueMs: 3000, runMs: 100 });
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'cap-id:cap-secret' },
      });
      const first = client.callTool('run_model', {
        model: 'flux_dev',
        input: { prompt: 'a' },
        wait_seconds: 10,
      });
      // The first job is being waited on once fal's status stream for it is open.
      await expect
        .poll(() => h.emulator.faults.callsTo('queue.stream').length, { timeout: 5_000 })
        .toBeGreaterThan(0);
      const second = await client.callTool('run_model', {
        model: 'flux_dev',
        input: { prompt: 'b' },
        wait_seconds: 5,
      });
      expect(second.isError).toBe(true);
      expect(textOf(second)).toMatch(/already has 1 jobs being waited on.*call check_job later/);
      expect(((await first).structuredContent as { status: string }).status).toBe('COMPLETED');
      await client.close();
    } finally {
      await h.close();
    }
  });

  it('refuses invalid JSON, absurd nesting and oversized model inputs', async () => {
    const h = await startHarness();
    try {
      const bad = await h.app.request('/mcp', { method: 'POST', headers: HEADERS, body: '{"jsonrpc":' });
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ error: { code: -32700 } });
      const deep = `${'['.repeat(100)}${']'.repeat(100)}`;
      const nested = await h.app.request('/mcp', {
        method: 'POST',
        headers: HEADERS,
        body: `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":${deep}}}`,
      });
      expect(nested.status).toBe(400);
      expect(await nested.json()).toMatchObject({
        error: { code: -32600, message: expect.stringMatching(/nested deeper than 64/) },
      });

      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'big-id:big-secret' },
      });
      const r = await client.callTool('run_model', {
        model: 'flux_dev',
        input: { prompt: 'x'.repeat(300_000) },
      });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/the limit is 262144/);
      expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(0);
      await client.close();
    } finally {
      await h.close();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const LEGACY = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
};
const LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
const randomKey = () => `rnd-${randomBytes(6).toString('hex')}:${randomBytes(12).toString('hex')}`;

type Post = (headers: Record<string, string>, body?: string) => Promise<Response>;
const poster =
  (h: Harness): Post =>
  (headers, body = LIST) =>
    h.inProcessFetch(IN_PROCESS_URL, { method: 'POST', headers: { ...LEGACY, ...headers }, body });

describe('limits a hostile caller cannot step around', () => {
  it('fresh keys are not fresh budgets: 50 requests from one address with 50 random keys pass the burst only', async () => {
    const h = await startHarness({
      env: { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '5', TRUST_PROXY: 'x-forwarded-for' },
    });
    try {
      const post = poster(h);
      const statuses: number[] = [];
      for (let i = 0; i < 50; i++) {
        statuses.push((await post({ 'x-fal-key': randomKey(), 'x-forwarded-for': '198.51.100.7' })).status);
      }
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
      // Another address has its own budget.
      expect((await post({ 'x-fal-key': randomKey(), 'x-forwarded-for': '198.51.100.8' })).status).toBe(200);
    } finally {
      await h.close();
    }
  });

  it('X-Forwarded-For is read from the right: a spoofed left part buys no fresh bucket', async () => {
    const h = await startHarness({
      env: { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '1', TRUST_PROXY: 'x-forwarded-for' },
    });
    const two = await startHarness({
      env: {
        RATE_LIMIT_PER_MINUTE: '60',
        RATE_LIMIT_BURST: '1',
        TRUST_PROXY: 'x-forwarded-for',
        TRUST_PROXY_HOPS: '2',
      },
    });
    try {
      const post = poster(h);
      expect((await post({ 'x-forwarded-for': '203.0.113.1, 198.51.100.20' })).status).toBe(200);
      expect((await post({ 'x-forwarded-for': '203.0.113.2, 198.51.100.20' })).status).toBe(429);
      expect((await post({ 'x-forwarded-for': '198.51.100.21' })).status).toBe(200);
      // Two proxies in front (a CDN, then a load balancer): the client is second from the right.
      const behindTwo = poster(two);
      expect((await behindTwo({ 'x-forwarded-for': '203.0.113.1, 198.51.100.30, 10.0.0.1' })).status).toBe(
        200,
      );
      expect((await behindTwo({ 'x-forwarded-for': '203.0.113.9, 198.51.100.30, 10.0.0.2' })).status).toBe(
        429,
      );
      expect((await behindTwo({ 'x-forwarded-for': '198.51.100.31, 10.0.0.1' })).status).toBe(200);
    } finally {
      await h.close();
      await two.close();
    }
  });

  it('a key fal refused is remembered and turned away here, not forwarded again', async () => {
    const h = await startHarness();
    try {
      const junk = 'invalid-junk-id:never-valid';
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': junk },
      });
      const first = await client.callTool('get_pricing', { models: ['flux_dev'] });
      expect(textOf(first)).toMatch(/fal refused the key \(HTTP 401\)/);
      const forwarded = h.emulator.faults.calls.filter((c) => c.key === junk).length;
      expect(forwarded).toBe(1);
      const again = await poster(h)({ 'x-fal-key': junk });
      expect(again.status).toBe(401);
      expect(await again.json()).toMatchObject({
        error: {
          message: expect.stringMatching(
            /fal refused this key in the last few minutes, so it is not sent to fal again/,
          ),
        },
      });
      expect(h.emulator.faults.calls.filter((c) => c.key === junk)).toHaveLength(forwarded);
      await client.close().catch(() => undefined);
    } finally {
      await h.close();
    }
  });

  it('failed authentication is limited per address; past it even the right token is refused there', async () => {
    const token = 'a-genuine-access-token-of-at-least-32-chars';
    const h = await startHarness({
      env: {
        FAL_KEY: 'operator-id:operator-secret',
        MCP_AUTH_TOKENS: token,
        TRUST_PROXY: 'x-forwarded-for',
        RATE_LIMIT_PER_MINUTE: '6000',
        RATE_LIMIT_BURST: '1000',
      },
    });
    try {
      const post = poster(h);
      const guesses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const guess = `${token.slice(0, -2)}${String(i).padStart(2, '0')}`;
        guesses.push(
          (await post({ authorization: `Bearer ${guess}`, 'x-forwarded-for': '203.0.113.66' })).status,
        );
      }
      // Ten wrong guesses are answered 401; the eleventh uses up the budget and locks the address.
      expect(guesses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(guesses.slice(10)).toEqual([429, 429]);
      const locked = await post({ authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.66' });
      expect(locked.status).toBe(429);
      expect(await locked.json()).toMatchObject({
        error: {
          message: expect.stringMatching(
            /Too many failed authentication attempts from this address; retry after \d+ s/,
          ),
        },
      });
      expect(
        (await post({ authorization: `Bearer ${token}`, 'x-forwarded-for': '203.0.113.67' })).status,
      ).toBe(200);
    } finally {
      await h.close();
    }
  });

  describe('batches', () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '10' } });
    });
    afterAll(() => h.close());
    const batch = (n: number, method = 'tools/list') =>
      JSON.stringify(Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method })));

    it.each(['2025-06-18', '2025-11-25', '2026-07-28'])(
      'are refused in protocol %s, which has none',
      async (version) => {
        const res = await poster(h)({ 'mcp-protocol-version': version, 'x-fal-key': randomKey() }, batch(3));
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({
          error: {
            code: -32600,
            message: expect.stringMatching(
              /batches are not part of MCP protocol .* Send one message per request/,
            ),
          },
        });
      },
    );

    it('cost one request per message where the protocol has them (2025-03-26)', async () => {
      const key = randomKey();
      const old = { 'mcp-protocol-version': '2025-03-26', 'x-fal-key': key, 'x-forwarded-for': 'ignored' };
      const first = await poster(h)(old, batch(4));
      expect(first.status).toBe(200);
      // Answered as a stream, one event per message.
      const events = (await first.text()).split('\n').filter((l) => l.startsWith('data: '));
      expect(events).toHaveLength(4);
      // 4 of the 10 are spent (plus this one): a batch of 6 more no longer fits.
      const second = await poster(h)(old, batch(6));
      expect(second.status).toBe(429);
      const huge = await poster(h)(
        { 'mcp-protocol-version': '2025-03-26', 'x-fal-key': randomKey() },
        batch(40),
      );
      expect(huge.status).toBe(429);
      expect(await huge.json()).toMatchObject({
        error: {
          message: expect.stringMatching(
            /This batch of 40 messages counts as 40 requests, more than the limit allows at once \(10\)/,
          ),
        },
      });
    });
  });

  it('a large body over the address budget is refused unread, and its connection closed', async () => {
    const h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '60', RATE_LIMIT_BURST: '5' } });
    try {
      const big = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/list',
        params: { pad: 'x'.repeat(400_000) },
      });
      const headers = { 'content-length': String(Buffer.byteLength(big)) };
      // One 400 KB body weighs 7 requests: it takes the whole burst of 5; the next is refused.
      expect((await poster(h)(headers, big)).status).toBe(200);
      const refused = await poster(h)(headers, big);
      expect(refused.status).toBe(429);
      expect(refused.headers.get('connection')).toBe('close');
      expect(await refused.json()).toMatchObject({
        error: {
          message: expect.stringMatching(
            /Rate limit exceeded \(this address: 60 requests per minute\); retry after \d+ s/,
          ),
        },
      });
    } finally {
      await h.close();
    }
  });

  it('large bodies: at most two at once per address, and absurd numbers of values are refused after parsing', async () => {
    const h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    try {
      const heavy = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'list_models', arguments: { search: 'x'.repeat(300 * 1024) } },
      });
      // Hold two large requests open (their bodies arrive slowly), then try a third.
      const bytes = new TextEncoder().encode(heavy);
      const slowBody = () => {
        let reading: () => void = () => undefined;
        let finish: () => void = () => undefined;
        const started = new Promise<void>((r) => {
          reading = r;
        });
        const finished = new Promise<void>((r) => {
          finish = r;
        });
        let sent = false;
        // Nothing is buffered ahead (high-water mark 0): the first pull means the server is reading
        // the body, which it does only once the request holds one of its address's two large slots.
        const stream = new ReadableStream<Uint8Array>(
          {
            async pull(controller) {
              reading();
              if (!sent) {
                sent = true;
                controller.enqueue(bytes.subarray(0, 1000));
                return;
              }
              await finished;
              controller.enqueue(bytes.subarray(1000));
              controller.close();
            },
          },
          { highWaterMark: 0 },
        );
        const response = h.inProcessFetch(IN_PROCESS_URL, {
          method: 'POST',
          headers: { ...LEGACY, 'content-length': String(bytes.length) },
          body: stream,
          duplex: 'half',
        } as RequestInit);
        return { response, started, finish };
      };
      const a = slowBody();
      const b = slowBody();
      await Promise.all([a.started, b.started]);
      const third = await poster(h)({ 'content-length': String(Buffer.byteLength(heavy)) }, heavy);
      expect(third.status).toBe(429);
      expect(await third.json()).toMatchObject({
        error: {
          message: expect.stringMatching(/Too many large requests at once from this address \(at most 2\)/),
        },
      });
      a.finish();
      b.finish();
      expect((await a.response).status).toBe(200);
      expect((await b.response).status).toBe(200);

      const flood = JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: {
          name: 'run_model',
          arguments: {
            model: 'flux_dev',
            input: Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, i])),
          },
        },
      });
      const refused = await poster(h)({}, flood);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({
        error: { code: -32600, message: expect.stringMatching(/more than 50000 JSON values in one message/) },
      });
      expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(0);
    } finally {
      await h.close();
    }
  });
});

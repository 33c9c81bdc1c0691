import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/lib/secret.js';
import { createLogger, scrub } from '../../src/log.js';
import { connectLegacy, connectModern } from '../helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const KEYS = [
  'hygiene-a-id:hygiene-a-secret',
  'invalid-b-id:invalid-b-secret',
  'operator-c-id:operator-c-secret',
];
const TOKEN = 'token-d-very-secret-of-32-or-more-characters';

describe('no key ever reaches a log line', () => {
  it('across successful calls, refused keys, upstream faults and bad tokens', async () => {
    const h = await startHarness({ env: { FAL_KEY: KEYS[2] as string, MCP_AUTH_TOKENS: TOKEN } });
    try {
      h.emulator.inject('pricing', { status: 500, times: 3 });
      for (const connect of [connectModern, connectLegacy]) {
        for (const key of KEYS.slice(0, 2)) {
          // A key fal refused is turned away at the door on the next connection: that is logged too.
          const client = await connect({
            url: IN_PROCESS_URL,
            fetch: h.inProcessFetch,
            headers: { Authorization: `Bearer ${TOKEN}`, 'X-Fal-Key': key as string },
          }).catch(() => undefined);
          if (!client) continue;
          // After fal refuses a key, its next request is turned away at the door (an HTTP 401).
          await client
            .callTool('get_pricing', { models: ['flux_dev', 'no_such_alias'] })
            .catch(() => undefined);
          await client.callTool('get_pricing', { models: ['flux_dev'] }).catch(() => undefined);
          await client.close();
        }
      }
      await h.app.request('/mcp?key=leaky', {
        method: 'POST',
        headers: { Authorization: 'Bearer wrong-token', 'X-Fal-Key': KEYS[0] as string },
        body: '{}',
      });

      const text = h.logText();
      expect(h.logRecords().length).toBeGreaterThan(10);
      for (const secret of [...KEYS, TOKEN, 'leaky']) expect(text).not.toContain(secret);
      // The log still says who called: by tenant fingerprint.
      expect(
        h.logRecords().some((r) => typeof r.tenant === 'string' && /^t_[0-9a-f]{16}$/.test(r.tenant)),
      ).toBe(true);
    } finally {
      await h.close();
    }
  });

  it('a Secret prints as [redacted] however it is printed', () => {
    const s = new Secret('abc-id:abc-secret');
    expect(String(s)).toBe('[redacted]');
    expect(JSON.stringify({ s })).toBe('{"s":"[redacted]"}');
    expect(inspect({ s })).not.toContain('abc');
    expect(s.reveal()).toBe('abc-id:abc-secret');
  });

  it('the logger scrubs credential shapes from any field', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    log.info('upstream said Authorization: Key abc-id:abc-secret', {
      headers: { authorization: 'Key xyz', 'x-fal-key': 'xyz' },
      url: 'https://x.test/a?token=abc&b=1',
      error: new Error('Bearer abc.def.ghi failed'),
    });
    expect(lines.join()).not.toMatch(/abc|xyz/);
    // Built at run time so no key-shaped literal sits in the repository.
    const keyShaped = ['12345678-1234-1234-1234-123456789abc', '0123456789abcdef'.repeat(2)].join(':');
    expect(scrub(keyShaped)).toBe('[redacted]');
  });
});

describe('the suite-wide leak check', () => {
  it('fails a harness whose logs contain a key the emulator saw', async () => {
    const h = await startHarness();
    const key = 'leak-probe-id:leak-probe-secret';
    const client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': key },
    });
    await client.callTool('get_pricing', { models: ['flux_dev'] });
    await client.close();
    // Simulate a bug: something logs the key under an innocent field name.
    h.services.logger.info('oops', { note: `value ${key}` });
    await expect(h.close()).rejects.toThrow(/leaked into logs or tool results: 1/);
  });
});

describe('the suite-wide leak check on results', () => {
  it('fails a harness when a tool result echoes a key', async () => {
    const h = await startHarness();
    const key = 'echo-probe-id:echo-probe-secret';
    const client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': key },
    });
    await client.callTool('get_pricing', { models: ['flux_dev'] });
    // A model name that is the key itself: the error text must not hand it back…
    const r = await client.callTool('get_model_schema', { model: key.replace(':', '_') });
    expect(JSON.stringify(r)).not.toContain(key);
    await client.close();
    await expect(h.close()).resolves.toBeUndefined();
    // …and the check is live: a result containing the key fails the harness.
    const h2 = await startHarness();
    const c2 = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h2.inProcessFetch,
      headers: { 'X-Fal-Key': key },
    });
    await c2.callTool('get_pricing', { models: ['flux_dev'] });
    h2.emulator.state.setTiming('*', { queueMs: 1, runMs: 1 });
    await c2.callTool('run_model', { model: 'flux_dev', input: { prompt: key } });
    await c2.close();
    await expect(h2.close()).rejects.toThrow(/leaked into logs or tool results/);
  });
});

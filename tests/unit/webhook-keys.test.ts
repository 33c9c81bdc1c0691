import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FalWebhookKeys } from '../../src/webhooks/fal-keys.js';

const jwks = () => {
  const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
  return JSON.stringify({ keys: [{ ...jwk, kid: 'k1' }] });
};

describe("fal's webhook key set", () => {
  it('while it is unreachable, deliveries are refused without asking again for 30 s (a negative cache)', async () => {
    let now = 1_000_000;
    let fetches = 0;
    let up = false;
    const fetchImpl = (async () => {
      fetches++;
      if (!up) throw new Error('unreachable');
      return new Response(jwks(), { status: 200 });
    }) as typeof fetch;
    const keys = new FalWebhookKeys('https://keys.example/jwks.json', fetchImpl, () => now);
    for (let i = 0; i < 60; i++) await expect(keys.current()).rejects.toThrow();
    // 60 forged deliveries during the outage: one fetch, not 60.
    expect(fetches).toBe(1);
    up = true;
    now += 29_000;
    await expect(keys.current()).rejects.toThrow(/unreachable moments ago/);
    now += 2_000;
    expect(await keys.current()).toHaveLength(1);
    expect(fetches).toBe(2);
  });

  it('keys it already has keep verifying through a later outage', async () => {
    let now = 0;
    let up = true;
    const fetchImpl = (async () => {
      if (!up) throw new Error('unreachable');
      return new Response(jwks(), { status: 200 });
    }) as typeof fetch;
    const keys = new FalWebhookKeys('https://keys.example/jwks.json', fetchImpl, () => now);
    expect(await keys.current()).toHaveLength(1);
    up = false;
    now += 25 * 3600_000; // a day later: time to fetch again, and fal is unreachable
    expect(await keys.current()).toHaveLength(1);
    expect(await keys.current()).toHaveLength(1);
  });
});

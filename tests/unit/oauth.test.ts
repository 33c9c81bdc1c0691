import { describe, expect, it } from 'vitest';
import { redirectUriProblem } from '../../src/auth/oauth/clients.js';
import { GrantSealer, pkceMatches, sameResource } from '../../src/auth/oauth/grants.js';
import { RefreshLedger } from '../../src/auth/oauth/refresh-ledger.js';
import { UsedCodes } from '../../src/auth/oauth/replay.js';
import { Sealer } from '../../src/lib/seal.js';
import { Secret } from '../../src/lib/secret.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const A = new Secret('a'.repeat(32));
const B = new Secret('b'.repeat(32));

describe('Sealer', () => {
  it('round-trips a payload and hides it', () => {
    const token = new Sealer([A]).seal('fmcp_at', { k: 'key-id:key-secret' });
    expect(token).toMatch(/^fmcp_at\.[\w-]{8}\.[\w-]+$/);
    expect(token).not.toContain('key-secret');
    expect(new Sealer([A]).open('fmcp_at', token)).toEqual({ k: 'key-id:key-secret' });
  });

  it('binds the kind: a token of one kind does not open as another, even renamed', () => {
    const token = new Sealer([A]).seal('fmcp_rt', { k: 1 });
    expect(new Sealer([A]).open('fmcp_at', token)).toBeUndefined();
    expect(new Sealer([A]).open('fmcp_at', token.replace('fmcp_rt', 'fmcp_at'))).toBeUndefined();
  });

  it('refuses every single-character change of the sealed part', () => {
    const sealer = new Sealer([A]);
    const token = sealer.seal('fmcp_at', { k: 'x' });
    const cut = token.lastIndexOf('.') + 1;
    let opened = 0;
    for (let i = cut; i < token.length; i++) {
      const ch = token[i] === 'A' ? 'B' : 'A';
      if (sealer.open('fmcp_at', token.slice(0, i) + ch + token.slice(i + 1)) !== undefined) opened++;
    }
    expect(opened).toBe(0);
  });

  it('opens only the canonical encoding: unused bits of the last character do not make a second token', () => {
    const sealer = new Sealer([A]);
    // Payload lengths cycle the sealed part through every base64 remainder.
    for (let n = 0; n < 6; n++) {
      for (let round = 0; round < 20; round++) {
        const token = sealer.seal('fmcp_at', { k: 'x'.repeat(n) });
        const last = token.at(-1) as string;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const flipped = alphabet[alphabet.indexOf(last) ^ 1] as string;
        expect(sealer.open('fmcp_at', token.slice(0, -1) + flipped)).toBeUndefined();
        expect(sealer.open('fmcp_at', `${token}=`)).toBeUndefined();
        expect(sealer.open('fmcp_at', token)).toEqual({ k: 'x'.repeat(n) });
      }
    }
  });

  it('rotates: the first secret seals, every listed secret opens', () => {
    const old = new Sealer([B]).seal('fmcp_at', { v: 'old' });
    const rotating = new Sealer([A, B]);
    expect(rotating.open('fmcp_at', old)).toEqual({ v: 'old' });
    expect(new Sealer([A]).open('fmcp_at', rotating.seal('fmcp_at', { v: 'new' }))).toEqual({ v: 'new' });
    expect(new Sealer([A]).open('fmcp_at', old)).toBeUndefined();
  });

  it.each(['', 'fmcp_at', 'fmcp_at..', 'fmcp_at.x.y', 'fmcp_at.12345678.AAAA', 'fmcp_at.a.b.c', 'Bearer x'])(
    'opens garbage %j to undefined without throwing',
    (garbage) => {
      expect(new Sealer([A]).open('fmcp_at', garbage)).toBeUndefined();
    },
  );
});

describe('redirect URIs', () => {
  it.each([
    ['https://claude.ai/api/mcp/auth_callback', undefined],
    ['http://127.0.0.1:33418/callback', undefined],
    ['http://localhost:6274/oauth/callback', undefined],
    ['cursor://anysphere.cursor-retrieval/oauth/callback', undefined],
    ['http://example.com/cb', /localhost/],
    ['https://example.com/cb#x', /fragment/],
    ['javascript:alert(1)', /javascript/],
    ['data:text/html,hi', /data/],
    ['/relative', /absolute/],
  ])('%s', (uri, problem) => {
    const found = redirectUriProblem(uri);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });
});

describe('PKCE and resources', () => {
  it('matches the RFC 7636 appendix B example', () => {
    expect(
      pkceMatches(
        'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
        'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      ),
    ).toBe(true);
    expect(
      pkceMatches(
        'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx',
        'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      ),
    ).toBe(false);
  });

  it('compares resources ignoring one trailing slash and a fragment', () => {
    expect(sameResource('https://a.example/mcp/', 'https://a.example/mcp')).toBe(true);
    expect(sameResource('https://a.example/mcp#x', 'https://a.example/mcp')).toBe(true);
    expect(sameResource('https://a.example/mcp2', 'https://a.example/mcp')).toBe(false);
  });
});

describe('UsedCodes', () => {
  it('claims once until expiry, then forgets', async () => {
    let now = 1000;
    const clock = () => now;
    const set = new UsedCodes(new MemoryStore(clock), clock);
    expect(await set.claim('c1', 2000)).toBe(true);
    expect(await set.claim('c1', 2000)).toBe(false);
    now = 2001;
    expect(await set.claim('c2', 3000)).toBe(true);
    expect(await set.claim('c1', 3000)).toBe(true);
  });
});

describe('refresh tokens', () => {
  const DAY = 24 * 3600;
  const lifetimes = { accessSeconds: 3600, refreshSeconds: 30 * DAY, codeSeconds: 60, consentSeconds: 600 };
  const grant = {
    key: new Secret('k-id:k-secret'),
    clientId: 'c',
    resource: 'https://x/mcp',
    scope: undefined,
  };

  it('a sign-in lasts 90 days from consent, however often it is refreshed', () => {
    let now = Date.UTC(2026, 0, 1);
    const sealer = new GrantSealer(new Sealer([A]), lifetimes, () => now);
    let tokens = sealer.tokens(grant);
    // Refreshed every 29 days: each rotation keeps the sign-in's start.
    for (let day = 29; day <= 87; day += 29) {
      now = Date.UTC(2026, 0, 1) + day * DAY * 1000;
      const opened = sealer.openRefresh(tokens.refresh_token, grant.resource);
      expect(opened.ok).toBe(true);
      if (!opened.ok) return;
      tokens = sealer.tokens(opened.value, opened.value);
    }
    // The last rotation (day 87) ends at day 90, not day 117; access tokens never outlive it.
    now = Date.UTC(2026, 0, 1) + (90 * DAY - 60) * 1000;
    expect(sealer.openRefresh(tokens.refresh_token, grant.resource).ok).toBe(true);
    now = Date.UTC(2026, 0, 1) + (90 * DAY + 1) * 1000;
    expect(sealer.openRefresh(tokens.refresh_token, grant.resource)).toEqual({
      ok: false,
      reason: 'expired',
    });
  });

  it('each refresh token has its own id; its sign-in keeps one id', () => {
    const sealer = new GrantSealer(new Sealer([A]), lifetimes);
    const first = sealer.openRefresh(sealer.tokens(grant).refresh_token, grant.resource);
    if (!first.ok) throw new Error('did not open');
    const second = sealer.openRefresh(sealer.tokens(grant, first.value).refresh_token, grant.resource);
    if (!second.ok) throw new Error('did not open');
    expect(second.value.tokenId).not.toBe(first.value.tokenId);
    expect(second.value.grantId).toBe(first.value.grantId);
  });

  it('the ledger claims a token once and remembers a revoked sign-in', async () => {
    const ledger = new RefreshLedger(new MemoryStore());
    const later = Date.now() + 60_000;
    expect(await ledger.claim('t1', later)).toBe(true);
    expect(await ledger.claim('t1', later)).toBe(false);
    expect(await ledger.isRevoked('g1')).toBe(false);
    await ledger.revoke('g1', later);
    expect(await ledger.isRevoked('g1')).toBe(true);
  });
});

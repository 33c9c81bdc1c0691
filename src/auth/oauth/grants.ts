import { createHash, randomBytes } from 'node:crypto';
import * as v from 'valibot';
import type { Sealer } from '../../lib/seal.js';
import { Secret } from '../../lib/secret.js';

/**
 * Everything the OAuth flow hands out, as sealed payloads: nothing is stored,
 * any machine holding the secret can check any of them. Field names are short
 * because these strings travel in every request header.
 */
export const KIND = {
  access: 'fmcp_at',
  refresh: 'fmcp_rt',
  code: 'fmcp_code',
  consent: 'fmcp_consent',
} as const;

/** What a user granted: their fal key, to one client, for one resource. */
export interface Grant {
  key: Secret;
  clientId: string;
  resource: string;
  scope: string | undefined;
}

/** The consent form's round trip: the validated authorize request, bound to a CSRF cookie. */
export interface ConsentRequest {
  clientId: string;
  clientName: string | undefined;
  redirectUri: string;
  codeChallenge: string;
  state: string | undefined;
  resource: string;
  scope: string | undefined;
}

export interface AuthorizationCode extends Grant {
  redirectUri: string;
  codeChallenge: string;
  /** Unique id, for the single-use check. */
  id: string;
  expiresAt: number;
}

/** A sign-in lasts this long from the moment of consent, however often its tokens are refreshed. */
export const MAX_GRANT_SECONDS = 90 * 24 * 3600;

/** An opened refresh token: the grant, and what makes it single-use and bounded in time. */
export interface RefreshGrant extends Grant {
  tokenId: string;
  grantId: string;
  /** When the user signed in (epoch seconds). */
  startedAt: number;
  expiresAt: number;
}

export type Opened<T> = { ok: true; value: T } | { ok: false; reason: 'invalid' | 'expired' | 'audience' };

const GrantFields = {
  k: v.string(),
  c: v.string(),
  a: v.string(),
  s: v.optional(v.string()),
  e: v.number(),
};
const TokenPayload = v.object({
  ...GrantFields,
  // Refresh tokens: this token's id (single use), its sign-in's id, and when that sign-in was.
  j: v.optional(v.string()),
  g: v.optional(v.string()),
  t: v.optional(v.number()),
});
const CodePayload = v.object({ ...GrantFields, r: v.string(), p: v.string(), j: v.string() });
const ConsentPayload = v.object({
  c: v.string(),
  n: v.optional(v.string()),
  r: v.string(),
  p: v.string(),
  st: v.optional(v.string()),
  a: v.string(),
  s: v.optional(v.string()),
  x: v.string(),
  e: v.number(),
});

export interface GrantLifetimes {
  accessSeconds: number;
  refreshSeconds: number;
  /** Authorization codes: short, single use. */
  codeSeconds: number;
  /** How long the consent page may sit open before submitting. */
  consentSeconds: number;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope?: string;
}

export class GrantSealer {
  constructor(
    private readonly sealer: Sealer,
    private readonly lifetimes: GrantLifetimes,
    private readonly now: () => number = Date.now,
  ) {}

  /** Tokens for a new sign-in, or (with `session`) rotated ones for the sign-in a refresh token belongs to. */
  tokens(grant: Grant, session?: { grantId: string; startedAt: number }): TokenResponse {
    const now = this.#seconds();
    const g = session?.grantId ?? randomBytes(12).toString('base64url');
    const t = session?.startedAt ?? now;
    const refreshEnds = Math.min(now + this.lifetimes.refreshSeconds, t + MAX_GRANT_SECONDS);
    const accessEnds = Math.min(now + this.lifetimes.accessSeconds, refreshEnds);
    const base = { k: grant.key.reveal(), c: grant.clientId, a: grant.resource, ...scoped(grant.scope) };
    const j = randomBytes(12).toString('base64url');
    return {
      access_token: this.sealer.seal(KIND.access, { ...base, e: accessEnds }),
      token_type: 'Bearer',
      expires_in: accessEnds - now,
      refresh_token: this.sealer.seal(KIND.refresh, { ...base, j, g, t, e: refreshEnds }),
      ...(grant.scope ? { scope: grant.scope } : {}),
    };
  }

  openAccess(token: string, resource: string): Opened<Grant> {
    const opened = this.#openToken(KIND.access, token, resource);
    if (!opened.ok) return opened;
    const { key, clientId, resource: audience, scope } = opened.value;
    return { ok: true, value: { key, clientId, resource: audience, scope } };
  }

  openRefresh(token: string, resource: string): Opened<RefreshGrant> {
    const opened = this.#openToken(KIND.refresh, token, resource);
    if (!opened.ok) return opened;
    const { j, g, t, e, ...grant } = opened.value;
    // Tokens sealed before rotation carry no ids: the token itself is its id, and its sign-in began a lifetime before it ends.
    const tokenId = j ?? digest(token);
    const startedAt = t ?? e - this.lifetimes.refreshSeconds;
    if (startedAt + MAX_GRANT_SECONDS <= this.#seconds()) return { ok: false, reason: 'expired' };
    return { ok: true, value: { ...grant, tokenId, grantId: g ?? tokenId, startedAt, expiresAt: e } };
  }

  code(grant: Grant, redirectUri: string, codeChallenge: string): string {
    return this.sealer.seal(KIND.code, {
      k: grant.key.reveal(),
      c: grant.clientId,
      a: grant.resource,
      ...scoped(grant.scope),
      r: redirectUri,
      p: codeChallenge,
      j: randomBytes(12).toString('base64url'),
      e: this.#seconds() + this.lifetimes.codeSeconds,
    });
  }

  openCode(token: string): Opened<AuthorizationCode> {
    const parsed = v.safeParse(CodePayload, this.sealer.open(KIND.code, token));
    if (!parsed.success) return { ok: false, reason: 'invalid' };
    const p = parsed.output;
    if (p.e <= this.#seconds()) return { ok: false, reason: 'expired' };
    return {
      ok: true,
      value: {
        key: new Secret(p.k),
        clientId: p.c,
        resource: p.a,
        scope: p.s,
        redirectUri: p.r,
        codeChallenge: p.p,
        id: p.j,
        expiresAt: p.e,
      },
    };
  }

  /** Seal the authorize request into the consent form; returns the form field and the CSRF cookie value. */
  consent(request: ConsentRequest): { sealed: string; csrf: string } {
    const csrf = randomBytes(24).toString('base64url');
    const sealed = this.sealer.seal(KIND.consent, {
      c: request.clientId,
      ...(request.clientName ? { n: request.clientName } : {}),
      r: request.redirectUri,
      p: request.codeChallenge,
      ...(request.state !== undefined ? { st: request.state } : {}),
      a: request.resource,
      ...scoped(request.scope),
      x: digest(csrf),
      e: this.#seconds() + this.lifetimes.consentSeconds,
    });
    return { sealed, csrf };
  }

  /** The authorize request back from the form, if it is ours, fresh, and the cookie matches. */
  openConsent(
    sealed: string,
    csrfCookie: string | undefined,
  ): Opened<ConsentRequest> | { ok: false; reason: 'csrf' } {
    const parsed = v.safeParse(ConsentPayload, this.sealer.open(KIND.consent, sealed));
    if (!parsed.success) return { ok: false, reason: 'invalid' };
    const p = parsed.output;
    if (p.e <= this.#seconds()) return { ok: false, reason: 'expired' };
    if (!csrfCookie || digest(csrfCookie) !== p.x) return { ok: false, reason: 'csrf' };
    return {
      ok: true,
      value: {
        clientId: p.c,
        clientName: p.n,
        redirectUri: p.r,
        codeChallenge: p.p,
        state: p.st,
        resource: p.a,
        scope: p.s,
      },
    };
  }

  #openToken(
    kind: string,
    token: string,
    resource: string,
  ): Opened<Grant & { j?: string | undefined; g?: string | undefined; t?: number | undefined; e: number }> {
    const parsed = v.safeParse(TokenPayload, this.sealer.open(kind, token));
    if (!parsed.success) return { ok: false, reason: 'invalid' };
    const p = parsed.output;
    if (p.e <= this.#seconds()) return { ok: false, reason: 'expired' };
    if (!sameResource(p.a, resource)) return { ok: false, reason: 'audience' };
    return {
      ok: true,
      value: {
        key: new Secret(p.k),
        clientId: p.c,
        resource: p.a,
        scope: p.s,
        j: p.j,
        g: p.g,
        t: p.t,
        e: p.e,
      },
    };
  }

  #seconds(): number {
    return Math.floor(this.now() / 1000);
  }
}

/** PKCE S256: BASE64URL(SHA256(verifier)) must equal the challenge. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

/** RFC 8707 resources compare as URLs, ignoring one trailing slash and any fragment. */
export function sameResource(a: string, b: string): boolean {
  const norm = (s: string) => s.replace(/#.*$/, '').replace(/\/$/, '');
  return norm(a) === norm(b);
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

function scoped(scope: string | undefined): { s?: string } {
  return scope ? { s: scope } : {};
}

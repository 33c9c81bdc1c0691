import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthPosture } from '../config.js';
import { Secret } from '../lib/secret.js';

/** Which credential a request runs on. */
export type AuthMode = 'caller-key' | 'shared-key' | 'anonymous';

/** Who is calling, as far as this server cares. Never stored beyond the request. */
export interface Caller {
  /** The fal key calls run on, if any. */
  readonly key: Secret | undefined;
  /** Short, stable, non-reversible id for rate limits, logs and job ownership. */
  readonly tenant: string;
  readonly mode: AuthMode;
}

/** A caller that carries a fal key: what every tool that spends or reads an account runs on. */
export type KeyedCaller = Caller & { readonly key: Secret };

export const ANONYMOUS: Caller = Object.freeze({ key: undefined, tenant: 'anonymous', mode: 'anonymous' });

export function fingerprint(secret: Secret): string {
  return `t_${createHash('sha256').update(secret.reveal()).digest('hex').slice(0, 16)}`;
}

/** The tenant of an access token (shared-key mode), kept apart from any key's fingerprint. */
export function tokenTenant(token: Secret): string {
  return `a_${createHash('sha256').update(`access-token\n${token.reveal()}`).digest('hex').slice(0, 16)}`;
}

export type CallerResolution = { ok: true; caller: Caller } | { ok: false; status: 401; message: string };

export interface CredentialHeaders {
  falKey: string | undefined;
  authorization: string | undefined;
}

// fal keys are "<key id>:<secret>"; accept any printable token but refuse
// whitespace and control characters, which only appear in copy-paste accidents.
const TOKEN_SHAPE = /^[\x21-\x7e]{1,1024}$/;

/** Whether a pasted value could be a fal key at all (before asking fal). */
export function isFalKeyShaped(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}

const HOW_TO =
  'Send your fal key as "X-Fal-Key: <key>", "Authorization: Key <key>" or "Authorization: Bearer <key>".';

/** Turn the credential headers into a caller, following DESIGN.md's Credentials rules. */
export function resolveCaller(headers: CredentialHeaders, posture: AuthPosture): CallerResolution {
  const falKey = headers.falKey?.trim() || undefined;
  const auth = parseAuthorization(headers.authorization);
  if (auth === 'malformed') {
    const why = headers.authorization
      ? keyShapeProblem(headers.authorization.trim().replace(/^\S+\s+/, ''))
      : undefined;
    return {
      ok: false,
      status: 401,
      message: `Unsupported Authorization header${why ? `: its value ${why}` : ''}. ${HOW_TO}`,
    };
  }
  if (falKey !== undefined && !TOKEN_SHAPE.test(falKey)) {
    const why = keyShapeProblem(falKey);
    return {
      ok: false,
      status: 401,
      message: `The X-Fal-Key header is malformed${why ? `: it ${why}` : ''}. ${HOW_TO}`,
    };
  }

  if (posture.kind === 'shared-key') {
    if (auth?.scheme !== 'bearer') {
      return {
        ok: false,
        status: 401,
        message: 'This server requires "Authorization: Bearer <access token>" issued by its operator.',
      };
    }
    const token = new Secret(auth.value);
    if (!posture.accessTokens.some((t) => safeEqual(t, token))) {
      return { ok: false, status: 401, message: 'The access token was not accepted.' };
    }
    if (falKey) return { ok: true, caller: callerFor(new Secret(falKey), 'caller-key') };
    // Each access token is its own tenant: its own limits, job records and idempotency keys.
    return { ok: true, caller: { key: posture.operatorKey, tenant: tokenTenant(token), mode: 'shared-key' } };
  }

  const own = falKey ?? auth?.value;
  if (own) return { ok: true, caller: callerFor(new Secret(own), 'caller-key') };
  if (posture.kind === 'open-shared-key') {
    return { ok: true, caller: { key: posture.operatorKey, tenant: 'shared', mode: 'shared-key' } };
  }
  return { ok: true, caller: ANONYMOUS };
}

/** What is wrong with a pasted key, in words, for the common accidents; undefined if nothing specific. */
function keyShapeProblem(value: string): string | undefined {
  const prefix = /^(key|bearer)\s+/i.exec(value)?.[1];
  if (prefix) return `starts with "${prefix} " (X-Fal-Key takes the key alone: drop the prefix)`;
  if (value.length > 1024)
    return `is ${value.length} characters long (a fal key is under 100; was something else pasted?)`;
  if (/\s/.test(value))
    return 'contains whitespace (a copy-paste accident? a fal key is key-id:key-secret, one word)';
  if (/[^\x21-\x7e]/.test(value))
    return 'contains characters a fal key never has (control or non-ASCII characters)';
  return undefined;
}

export function callerFor(key: Secret, mode: AuthMode): Caller {
  return { key, tenant: fingerprint(key), mode };
}

function parseAuthorization(
  header: string | undefined,
): { scheme: 'key' | 'bearer'; value: string } | undefined | 'malformed' {
  const raw = header?.trim();
  if (!raw) return undefined;
  const match = /^(\S+)\s+(\S+)$/.exec(raw);
  if (!match?.[1] || !match[2]) return 'malformed';
  const scheme = match[1].toLowerCase();
  if ((scheme !== 'key' && scheme !== 'bearer') || !TOKEN_SHAPE.test(match[2])) return 'malformed';
  return { scheme, value: match[2] };
}

function safeEqual(a: Secret, b: Secret): boolean {
  // Compare digests so lengths match and timing says nothing about the token.
  const da = createHash('sha256').update(a.reveal()).digest();
  const db = createHash('sha256').update(b.reveal()).digest();
  return timingSafeEqual(da, db);
}

export function isCaller(value: unknown): value is Caller {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<Caller>;
  return (
    typeof c.tenant === 'string' &&
    typeof c.mode === 'string' &&
    (c.key === undefined || c.key instanceof Secret)
  );
}

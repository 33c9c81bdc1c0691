import type { Context } from 'hono';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as v from 'valibot';
import {
  MAX_GRANT_SECONDS,
  pkceMatches,
  type RefreshGrant,
  sameResource,
} from '../../../auth/oauth/grants.js';
import { StoreUnavailableError } from '../../../store/store.js';
import type { AppEnv } from '../../env.js';
import {
  NO_STORE,
  type OAuthRouteOptions,
  oauthCors,
  PKCE_VALUE,
  signInBudget,
  smallBody,
} from './shared.js';

/** The token endpoint: authorization codes (PKCE S256, single use) and refresh tokens. */
export function tokenRoutes(options: OAuthRouteOptions): Hono<AppEnv> {
  const { oauth } = options;
  const route = new Hono<AppEnv>();
  const limited = signInBudget(options);
  route.use('/token', oauthCors);
  route.post('/token', limited, smallBody, async (c) => {
    const request = await tokenRequest(c);
    const error = (status: ContentfulStatusCode, code: string, description: string) =>
      c.json({ error: code, error_description: description }, status, { ...NO_STORE, pragma: 'no-cache' });
    const ours = oauth.resource(c.req.url);
    const resource = request.ok ? request.value.resource : request.resource;
    if (resource && !sameResource(resource, ours)) {
      return error(400, 'invalid_target', `This server issues tokens only for ${ours}.`);
    }
    if (!request.ok) return error(400, request.code, request.description);
    const p = request.value;

    if (p.grant_type === 'authorization_code') {
      const opened = oauth.grants.openCode(p.code);
      if (!opened.ok) {
        return error(
          400,
          'invalid_grant',
          opened.reason === 'expired'
            ? 'The authorization code has expired.'
            : 'The authorization code is not valid.',
        );
      }
      const grant = opened.value;
      if (grant.clientId !== p.client_id)
        return error(400, 'invalid_grant', 'The code was issued to another client.');
      if (grant.redirectUri !== p.redirect_uri)
        return error(400, 'invalid_grant', 'redirect_uri does not match the authorization request.');
      if (!sameResource(grant.resource, ours))
        return error(400, 'invalid_grant', 'The code was issued for another resource.');
      if (!PKCE_VALUE.test(p.code_verifier) || !pkceMatches(p.code_verifier, grant.codeChallenge)) {
        return error(
          400,
          'invalid_grant',
          'PKCE verification failed: code_verifier does not match code_challenge.',
        );
      }
      const firstUse = await oauth.usedCodes.claim(grant.id, grant.expiresAt * 1000).catch((e: unknown) => {
        if (e instanceof StoreUnavailableError) return 'unknown' as const;
        throw e;
      });
      if (firstUse === 'unknown') {
        // Fail closed: a code whose single use cannot be checked is not exchanged.
        return error(
          503,
          'temporarily_unavailable',
          'Sign-in cannot be completed right now (shared store unreachable); try signing in again shortly.',
        );
      }
      if (!firstUse) {
        return error(400, 'invalid_grant', 'The authorization code was already used.');
      }
      c.get('log').info('oauth tokens issued', {
        requestId: c.get('requestId'),
        grant: 'authorization_code',
      });
      return c.json(oauth.grants.tokens(grant), 200, { ...NO_STORE, pragma: 'no-cache' });
    }

    // What is left is a refresh_token grant.
    const opened = oauth.grants.openRefresh(p.refresh_token, ours);
    if (!opened.ok) {
      const why = {
        invalid: 'is not valid',
        expired: 'has expired',
        audience: 'was issued for another resource',
      }[opened.reason];
      return error(400, 'invalid_grant', `The refresh token ${why}; sign in again.`);
    }
    if (p.client_id && p.client_id !== opened.value.clientId) {
      return error(400, 'invalid_grant', 'The refresh token was issued to another client.');
    }
    const refused = await rotationRefusal(c, options, opened.value);
    if (refused) return error(refused.status, refused.code, refused.description);
    c.get('log').info('oauth tokens issued', { requestId: c.get('requestId'), grant: 'refresh_token' });
    const session = { grantId: opened.value.grantId, startedAt: opened.value.startedAt };
    return c.json(oauth.grants.tokens(opened.value, session), 200, { ...NO_STORE, pragma: 'no-cache' });
  });

  return route;
}

/**
 * Why a refresh token may not be rotated, if it may not: its sign-in was
 * revoked; fal no longer accepts the key (the sign-in ends); it was used
 * before (a copy is loose: the sign-in ends). Fails closed when the shared
 * store cannot say.
 */
async function rotationRefusal(
  c: Context<AppEnv>,
  options: OAuthRouteOptions,
  grant: RefreshGrant,
): Promise<{ status: ContentfulStatusCode; code: string; description: string } | undefined> {
  const { refreshes, checkKey } = options.oauth;
  const ends = (grant.startedAt + MAX_GRANT_SECONDS) * 1000;
  try {
    if (await refreshes.isRevoked(grant.grantId)) {
      return { status: 400, code: 'invalid_grant', description: 'This sign-in was ended; sign in again.' };
    }
    const check = await checkKey(grant.key);
    if (check === 'unavailable') {
      return {
        status: 503,
        code: 'temporarily_unavailable',
        description: 'Could not reach fal to check the key; try again shortly.',
      };
    }
    if (check === 'refused') {
      await refreshes.revoke(grant.grantId, ends);
      return {
        status: 400,
        code: 'invalid_grant',
        description: 'fal no longer accepts the key of this sign-in; sign in again with a valid key.',
      };
    }
    if (!(await refreshes.claim(grant.tokenId, grant.expiresAt * 1000))) {
      await refreshes.revoke(grant.grantId, ends);
      c.get('log').warn('refresh token used twice; sign-in ended', { requestId: c.get('requestId') });
      return {
        status: 400,
        code: 'invalid_grant',
        description:
          'This refresh token was already used, so the sign-in was ended for safety; sign in again.',
      };
    }
    return undefined;
  } catch (error) {
    if (!(error instanceof StoreUnavailableError)) throw error;
    return {
      status: 503,
      code: 'temporarily_unavailable',
      description: 'Tokens cannot be refreshed right now (shared store unreachable); try again shortly.',
    };
  }
}

const text = v.string();
const optional = v.optional(v.string());

/** RFC 6749 §4.1.3 and §6: one shape per grant; every parameter a non-empty string. */
const TokenRequest = v.variant('grant_type', [
  v.object({
    grant_type: v.literal('authorization_code'),
    code: text,
    code_verifier: text,
    client_id: text,
    redirect_uri: text,
    resource: optional,
  }),
  v.object({
    grant_type: v.literal('refresh_token'),
    refresh_token: text,
    client_id: optional,
    resource: optional,
  }),
]);
type TokenRequest = v.InferOutput<typeof TokenRequest>;

/** The token request, or the OAuth error that says what is missing. */
async function tokenRequest(
  c: Context<AppEnv>,
): Promise<
  { ok: true; value: TokenRequest } | { ok: false; code: string; description: string; resource?: string }
> {
  const body: unknown = c.req.header('content-type')?.includes('application/json')
    ? await c.req.json().catch(() => undefined)
    : await c.req.parseBody().catch(() => undefined);
  // An empty or non-string parameter counts as absent, as in a form.
  const raw = Object.fromEntries(
    Object.entries(typeof body === 'object' && body !== null ? body : {}).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string' && entry[1].length > 0,
    ),
  );
  // Codes, verifiers and refresh tokens are credentials: never in a log line, whatever happens next.
  c.set('log', c.get('log').withSecrets([raw.code, raw.code_verifier, raw.refresh_token]));
  const parsed = v.safeParse(TokenRequest, raw);
  if (parsed.success) return { ok: true, value: parsed.output };
  const resource = raw.resource ? { resource: raw.resource } : {};
  if (raw.grant_type === 'authorization_code')
    return {
      ok: false,
      code: 'invalid_request',
      description: 'Send code, code_verifier, client_id and redirect_uri.',
      ...resource,
    };
  if (raw.grant_type === 'refresh_token')
    return { ok: false, code: 'invalid_request', description: 'Send refresh_token.', ...resource };
  return {
    ok: false,
    code: 'unsupported_grant_type',
    description: 'Use authorization_code or refresh_token.',
    ...resource,
  };
}

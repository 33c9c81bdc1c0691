import type { Context } from 'hono';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { pkceMatches, sameResource } from '../../../auth/oauth/grants.js';
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
    const p = await tokenParams(c);
    c.set('log', c.get('log').withSecrets([p.code, p.refresh_token, p.code_verifier]));
    const error = (status: ContentfulStatusCode, code: string, description: string) =>
      c.json({ error: code, error_description: description }, status, { ...NO_STORE, pragma: 'no-cache' });
    const ours = oauth.resource(c.req.url);
    if (p.resource && !sameResource(p.resource, ours)) {
      return error(400, 'invalid_target', `This server issues tokens only for ${ours}.`);
    }

    if (p.grant_type === 'authorization_code') {
      if (!p.code || !p.code_verifier || !p.client_id || !p.redirect_uri) {
        return error(400, 'invalid_request', 'Send code, code_verifier, client_id and redirect_uri.');
      }
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

    if (p.grant_type === 'refresh_token') {
      if (!p.refresh_token) return error(400, 'invalid_request', 'Send refresh_token.');
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
      c.get('log').info('oauth tokens issued', { requestId: c.get('requestId'), grant: 'refresh_token' });
      return c.json(oauth.grants.tokens(opened.value), 200, { ...NO_STORE, pragma: 'no-cache' });
    }
    return error(400, 'unsupported_grant_type', 'Use authorization_code or refresh_token.');
  });

  return route;
}

interface TokenParams {
  grant_type?: string;
  code?: string;
  code_verifier?: string;
  client_id?: string;
  redirect_uri?: string;
  refresh_token?: string;
  resource?: string;
}

async function tokenParams(c: Context<AppEnv>): Promise<TokenParams> {
  const body: unknown = c.req.header('content-type')?.includes('application/json')
    ? await c.req.json().catch(() => undefined)
    : await c.req.parseBody().catch(() => undefined);
  const raw = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const out: TokenParams = {};
  for (const name of [
    'grant_type',
    'code',
    'code_verifier',
    'client_id',
    'redirect_uri',
    'refresh_token',
    'resource',
  ] as const) {
    const value = raw[name];
    if (typeof value === 'string' && value.length > 0) out[name] = value;
  }
  return out;
}

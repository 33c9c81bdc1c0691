import type { Context } from 'hono';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { isFalKeyShaped } from '../../auth/caller.js';
import type { OAuthClient } from '../../auth/oauth/clients.js';
import { type ConsentRequest, pkceMatches, sameResource } from '../../auth/oauth/grants.js';
import { consentPage, errorPage, PAGE_HEADERS } from '../../auth/oauth/pages.js';
import type { OAuthService } from '../../auth/oauth/service.js';
import { Secret } from '../../auth/secret.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import { StoreUnavailableError } from '../../store/store.js';
import type { ClientIp } from '../client-ip.js';
import type { AppEnv } from '../env.js';

export interface OAuthRouteOptions {
  oauth: OAuthService;
  rateLimiter: RateLimiter | undefined;
  clientIp: ClientIp;
  /** Unset: the issuer is the request's origin, which is only trusted on a loopback host. */
  publicUrl: string | undefined;
}

const CSRF_COOKIE = 'fmcp_csrf';
// RFC 7636: 43–128 unreserved characters (an S256 challenge is exactly 43).
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;
const JSON_CORS = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * The authorization server (RFC 8414, 7591, 9728, 6749 + PKCE, CIMD): discovery
 * documents, client registration, the consent page and the token endpoint.
 * Nothing here writes state except the used-code set.
 */
export function oauthRoutes(options: OAuthRouteOptions): Hono<AppEnv> {
  const { oauth } = options;
  const route = new Hono<AppEnv>();

  route.use('*', async (c, next) => {
    if (!options.publicUrl && !LOOPBACK.has(new URL(c.req.url).hostname)) {
      return c.json(
        { error: 'invalid_request', error_description: 'Set PUBLIC_URL to use sign-in off loopback.' },
        421,
      );
    }
    await next();
  });
  // Sign-in is rare; a caller hammering it is guessing. Same budget as MCP requests, per IP.
  const limited = async (c: Context<AppEnv>, next: () => Promise<void>) => {
    const wait = (await options.rateLimiter?.take(`oauth:${options.clientIp(c)}`)) ?? 0;
    if (wait > 0) {
      return c.json(
        { error: 'slow_down', error_description: `Too many sign-in requests; retry after ${wait} s.` },
        429,
        { 'retry-after': String(wait) },
      );
    }
    await next();
  };
  const smallBody = bodyLimit({
    maxSize: 64 * 1024,
    onError: (c) => c.json({ error: 'invalid_request', error_description: 'Request body too large.' }, 413),
  });

  const protectedResource = (c: Context<AppEnv>) =>
    c.json(
      {
        resource: oauth.resource(c.req.url),
        authorization_servers: [oauth.issuer(c.req.url)],
        bearer_methods_supported: ['header'],
        resource_name: 'fal MCP server',
        resource_documentation: `${oauth.issuer(c.req.url)}/`,
      },
      200,
      JSON_CORS,
    );
  route.get('/.well-known/oauth-protected-resource', protectedResource);
  route.get('/.well-known/oauth-protected-resource/mcp', protectedResource);
  route.get('/.well-known/oauth-authorization-server', (c) => {
    const issuer = oauth.issuer(c.req.url);
    return c.json(
      {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        registration_endpoint: `${issuer}/register`,
        response_types_supported: ['code'],
        response_modes_supported: ['query'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['none'],
        client_id_metadata_document_supported: true,
        authorization_response_iss_parameter_supported: true,
        service_documentation: `${issuer}/`,
      },
      200,
      JSON_CORS,
    );
  });
  // Browser-based clients (the MCP inspector) preflight these.
  route.options('*', (c) =>
    c.body(null, 204, {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type, authorization, mcp-protocol-version',
      'access-control-max-age': '86400',
    }),
  );

  route.post('/register', limited, smallBody, async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json(
        {
          error: 'invalid_client_metadata',
          error_description: 'The body must be a JSON client metadata document.',
        },
        400,
        JSON_CORS,
      );
    }
    const result = oauth.clients.register(body);
    if (!result.ok)
      return c.json({ error: result.error, error_description: result.description }, 400, JSON_CORS);
    c.get('log').info('oauth client registered', { requestId: c.get('requestId') });
    return c.json(result.response, 201, JSON_CORS);
  });

  route.get('/authorize', limited, async (c) => {
    const q = new URL(c.req.url).searchParams;
    const found = await clientAndRedirect(oauth, q.get('client_id'), q.get('redirect_uri'));
    // Before the redirect URI is trusted, errors are shown, never redirected (RFC 6749 §4.1.2.1).
    if ('page' in found)
      return htmlPage(c, 400, 'Cannot sign in', found.page, 'Start again from your MCP client.');
    const { client, redirectUri } = found;
    const state = q.get('state') ?? undefined;
    // Until the person has acted on the consent page, nothing redirects: a request built by
    // anyone (a client registered a minute ago with any redirect URI) must not turn this
    // server into a redirector. Errors are shown here; the client learns nothing it did not send.
    const fail = (error: string, description: string) =>
      htmlPage(c, 400, 'Cannot sign in', `${description} (${error})`, 'Start again from your MCP client.');

    if (q.get('response_type') !== 'code') {
      return fail('unsupported_response_type', 'Only response_type=code is supported.');
    }
    const challenge = q.get('code_challenge');
    if (!challenge || !PKCE_VALUE.test(challenge)) {
      return fail('invalid_request', 'PKCE is required: send code_challenge (S256).');
    }
    if (q.get('code_challenge_method') !== 'S256') {
      return fail('invalid_request', 'Only code_challenge_method=S256 is supported.');
    }
    const resource = q.get('resource') ?? oauth.resource(c.req.url);
    if (!sameResource(resource, oauth.resource(c.req.url))) {
      return fail('invalid_target', `This server issues tokens only for ${oauth.resource(c.req.url)}.`);
    }
    const request: ConsentRequest = {
      clientId: client.clientId,
      clientName: client.name,
      redirectUri,
      codeChallenge: challenge,
      state,
      resource: oauth.resource(c.req.url),
      scope: q.get('scope') || undefined,
    };
    const { sealed, csrf } = oauth.grants.consent(request);
    setCookie(c, CSRF_COOKIE, csrf, {
      path: '/authorize',
      httpOnly: true,
      sameSite: 'Lax',
      secure: oauth.issuer(c.req.url).startsWith('https:'),
      maxAge: 600,
    });
    return c.html(consentHtml(c, request, sealed), 200, PAGE_HEADERS);
  });

  route.post('/authorize', limited, smallBody, async (c) => {
    const issuer = oauth.issuer(c.req.url);
    // The CSRF cookie is the real check; a foreign Origin is refused before reading anything.
    const origin = c.req.header('origin');
    if (origin && origin !== 'null' && origin !== new URL(issuer).origin) {
      return htmlPage(
        c,
        403,
        'Cannot sign in',
        'This form was submitted from another site.',
        'Start again from your MCP client.',
      );
    }
    const form = await c.req.parseBody();
    const sealed = typeof form.request === 'string' ? form.request : '';
    const opened = oauth.grants.openConsent(sealed, getCookie(c, CSRF_COOKIE));
    if (!opened.ok) {
      const why =
        opened.reason === 'expired'
          ? 'This sign-in page has expired.'
          : opened.reason === 'csrf'
            ? 'This sign-in page is no longer valid (it was replaced by a newer one, or cookies are blocked).'
            : 'This sign-in request was not issued by this server.';
      return htmlPage(c, 400, 'Cannot sign in', why, 'Start again from your MCP client.');
    }
    const request = opened.value;
    const back = (params: Record<string, string | undefined>) =>
      redirectBack(c, request.redirectUri, { ...params, state: request.state }, issuer);
    if (form.action !== 'allow') {
      return back({ error: 'access_denied', error_description: 'The user cancelled sign-in.' });
    }
    const pasted = typeof form.fal_key === 'string' ? form.fal_key.trim() : '';
    c.set('log', c.get('log').withSecrets([pasted]));
    const again = (status: ContentfulStatusCode, error: string) =>
      c.html(consentHtml(c, request, sealed, error), status, PAGE_HEADERS);
    if (!isFalKeyShaped(pasted)) {
      return again(400, 'Paste your fal key (it looks like key-id:key-secret, from fal.ai/dashboard/keys).');
    }
    const key = new Secret(pasted);
    const check = await oauth.checkKey(key);
    if (check === 'refused')
      return again(400, 'fal did not accept this key. Check it, or create a new one in the fal dashboard.');
    if (check === 'unavailable')
      return again(503, 'Could not reach fal to check the key. Try again in a moment.');
    const code = oauth.grants.code(
      { key, clientId: request.clientId, resource: request.resource, scope: request.scope },
      request.redirectUri,
      request.codeChallenge,
    );
    setCookie(c, CSRF_COOKIE, '', { path: '/authorize', maxAge: 0 });
    c.get('log').info('oauth code issued', { requestId: c.get('requestId') });
    return back({ code });
  });

  route.post('/token', limited, smallBody, async (c) => {
    const p = await tokenParams(c);
    c.set('log', c.get('log').withSecrets([p.code, p.refresh_token, p.code_verifier]));
    const error = (status: ContentfulStatusCode, code: string, description: string) =>
      c.json({ error: code, error_description: description }, status, { ...JSON_CORS, pragma: 'no-cache' });
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
      return c.json(oauth.grants.tokens(grant), 200, { ...JSON_CORS, pragma: 'no-cache' });
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
      return c.json(oauth.grants.tokens(opened.value), 200, { ...JSON_CORS, pragma: 'no-cache' });
    }
    return error(400, 'unsupported_grant_type', 'Use authorization_code or refresh_token.');
  });

  return route;
}

async function clientAndRedirect(
  oauth: OAuthService,
  clientId: string | null,
  redirectUri: string | null,
): Promise<{ client: OAuthClient; redirectUri: string } | { page: string }> {
  if (!clientId) return { page: 'The request has no client_id.' };
  const found = await oauth.clients.resolve(clientId);
  if (!found.ok) return { page: found.description };
  const registered = found.client.redirectUris;
  // Exact string match, as registered; the only default is a single registered URI.
  const uri = redirectUri ?? (registered.length === 1 ? registered[0] : undefined);
  if (!uri) return { page: 'The request has no redirect_uri and the client registered several.' };
  if (!registered.includes(uri)) return { page: 'The redirect_uri is not one this client registered.' };
  return { client: found.client, redirectUri: uri };
}

function consentHtml(c: Context<AppEnv>, request: ConsentRequest, sealed: string, error?: string): string {
  return consentPage({
    serverOrigin: new URL(c.req.url).origin,
    clientName: request.clientName,
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    sealedRequest: sealed,
    ...(error ? { error } : {}),
  });
}

function htmlPage(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  title: string,
  message: string,
  next: string,
) {
  return c.html(errorPage(title, message, next), status, PAGE_HEADERS);
}

/** 303 to the client's redirect URI with the response parameters, and iss (RFC 9207). */
function redirectBack(
  c: Context<AppEnv>,
  redirectUri: string,
  params: Record<string, string | undefined>,
  issuer: string,
): Response {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries({ ...params, iss: issuer })) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return c.body(null, 303, {
    location: url.href,
    'cache-control': 'no-store',
    'referrer-policy': 'no-referrer',
  });
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

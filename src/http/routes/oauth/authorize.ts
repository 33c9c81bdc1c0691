import type { Context } from 'hono';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import * as v from 'valibot';
import { isFalKeyShaped } from '../../../auth/caller.js';
import type { OAuthClient } from '../../../auth/oauth/clients.js';
import { type ConsentRequest, sameResource } from '../../../auth/oauth/grants.js';
import { consentPage, PAGE_HEADERS } from '../../../auth/oauth/pages.js';
import type { OAuthService } from '../../../auth/oauth/service.js';
import { Secret } from '../../../lib/secret.js';
import type { AppEnv } from '../../env.js';
import { pageContentPolicy } from '../../middleware/security-headers.js';
import { htmlPage, type OAuthRouteOptions, PKCE_VALUE, signInBudget, smallBody } from './shared.js';

const CSRF_COOKIE = 'fmcp_csrf';

/**
 * What an authorization request must say (RFC 6749 §4.1.1, PKCE S256), in the order
 * it is checked; each refusal is `oauth error|what to do`. client_id, redirect_uri
 * and resource are checked against the registered client and this server.
 */
const AuthorizeQuery = v.object({
  response_type: v.literal('code', 'unsupported_response_type|Only response_type=code is supported.'),
  code_challenge: v.pipe(
    v.string('invalid_request|PKCE is required: send code_challenge (S256).'),
    v.regex(PKCE_VALUE, 'invalid_request|PKCE is required: send code_challenge (S256).'),
  ),
  code_challenge_method: v.literal('S256', 'invalid_request|Only code_challenge_method=S256 is supported.'),
});
const ABSENT = { response_type: '', code_challenge: '', code_challenge_method: '' };

/** The consent page: shown for a valid request, submitted with the pasted key, answered with a code. */
export function authorizeRoutes(options: OAuthRouteOptions): Hono<AppEnv> {
  const { oauth } = options;
  const route = new Hono<AppEnv>();
  const limited = signInBudget(options);
  route.use('/authorize', pageContentPolicy);
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

    // An absent parameter is judged as an empty one: its own refusal, not a generic one.
    const parsed = v.safeParse(AuthorizeQuery, { ...ABSENT, ...Object.fromEntries(q) });
    if (!parsed.success) {
      const [error, description] = (parsed.issues[0]?.message ?? '').split('|');
      return fail(error ?? 'invalid_request', description ?? 'Invalid authorization request.');
    }
    const { code_challenge: challenge } = parsed.output;
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
    // Counted before fal is asked, so keys pasted all at once count too; given back when the key is good.
    const { address, client } = options.keyChecks;
    const ip = options.clientIp(c);
    const waits = [await address.failed(ip), await client.failed(request.clientId)];
    const locked = Math.max(...waits, await address.lockedFor(ip), await client.lockedFor(request.clientId));
    if (locked > 0) {
      return again(
        429,
        `Too many keys were refused for this sign-in. Wait ${locked} seconds, then paste your key again.`,
      );
    }
    const key = new Secret(pasted);
    const check = await oauth.checkKey(key);
    if (check !== 'refused') {
      await address.forgive(ip);
      await client.forgive(request.clientId);
    }
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
  });
}

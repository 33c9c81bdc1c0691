import type { MiddlewareHandler } from 'hono';
import { callerFor, resolveCaller } from '../../auth/caller.js';
import { KIND } from '../../auth/oauth/grants.js';
import type { OAuthService } from '../../auth/oauth/service.js';
import type { AuthPosture } from '../../config.js';
import type { AuthFailures } from '../../limits/auth-failures.js';
import type { RefusedKeys } from '../../limits/refused-keys.js';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';
import { untilResponseDone } from '../response-done.js';

const TOKEN_REFUSED = {
  invalid: 'The access token is not valid (tampered, or sealed with a secret this server no longer holds).',
  expired: 'The access token has expired; refresh it or sign in again.',
  audience: 'The access token was issued for another server.',
} as const;

/** Every grant this server seals starts so; none is a fal key, so none is ever forwarded to fal as one. */
const OWN_GRANT = /^fmcp_/;

export interface CallerContextOptions {
  posture: AuthPosture;
  oauth?: OAuthService | undefined;
  failures: AuthFailures;
  refused: RefusedKeys;
}

/**
 * Credential headers → caller, once per request, before anything MCP happens.
 * With OAuth on, a sealed access token is a caller like a header key is, and a
 * request with no credential at all is challenged so URL-only clients sign in.
 * Failed credentials count against the client's address; past its budget the
 * address is refused before any credential is checked (no guessing).
 */
export const callerContext =
  (options: CallerContextOptions): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const { posture, oauth } = options;
    const authorization = c.req.header('authorization');
    const falKey = c.req.header('x-fal-key');
    const presented = Boolean(authorization?.trim() || falKey?.trim());
    const ip = c.get('clientIp') ?? 'unknown';
    if (presented) {
      const locked = await options.failures.lockedFor(ip);
      if (locked > 0) return lockedOut(locked);
    }
    const refuse = async (response: Response) => {
      const locked = await options.failures.failed(ip);
      return locked > 0 ? lockedOut(locked) : response;
    };
    const bearer = /^bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
    const keyValue = falKey?.trim() || /^key\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];

    if (oauth && bearer?.startsWith(`${KIND.access}.`) && !falKey) {
      const opened = oauth.verifyAccessToken(bearer, c.req.url);
      if (!opened.ok) return refuse(challenge(oauth, c.req.url, TOKEN_REFUSED[opened.reason], true));
      c.set('log', c.get('log').withSecrets([opened.value.key]));
      const signedIn = callerFor(opened.value.key, 'caller-key');
      // The key inside was refused by fal (revoked since sign-in): sign in again with a good one.
      if (options.refused.has(signedIn.tenant)) {
        return refuse(
          challenge(oauth, c.req.url, 'fal refused the key this sign-in holds; sign in again.', true),
        );
      }
      c.set('caller', signedIn);
      return next();
    }
    if ((bearer && OWN_GRANT.test(bearer)) || (keyValue && OWN_GRANT.test(keyValue))) {
      const message = oauth
        ? 'This is not an access token of this server (a refresh token, code or client id goes to /token, not here).'
        : 'This is a sign-in token of a fal MCP server, not a fal key; send your fal key, or sign in to the server that issued it.';
      return refuse(
        oauth
          ? challenge(oauth, c.req.url, message, true)
          : jsonRpcErrorResponse(401, message, { 'www-authenticate': 'Bearer error="invalid_token"' }),
      );
    }

    const result = resolveCaller({ falKey, authorization }, posture);
    if (!result.ok) {
      if (oauth) return refuse(challenge(oauth, c.req.url, result.message, presented));
      const scheme = posture.kind === 'shared-key' ? 'Bearer realm="fal-mcp"' : 'Key realm="fal-mcp"';
      return refuse(jsonRpcErrorResponse(result.status, result.message, { 'www-authenticate': scheme }));
    }
    if (oauth && result.caller.mode === 'anonymous') {
      return challenge(
        oauth,
        c.req.url,
        'Sign in to use this server: your client should open the sign-in page (OAuth), or send "X-Fal-Key: <key>".',
        false,
      );
    }
    const caller = result.caller;
    if (caller.mode === 'caller-key' && options.refused.has(caller.tenant)) {
      return refuse(
        jsonRpcErrorResponse(
          401,
          'fal refused this key in the last few minutes, so it is not sent to fal again for now. Check the key (fal.ai/dashboard/keys) or send another.',
          { 'www-authenticate': 'Key realm="fal-mcp"' },
        ),
      );
    }
    c.set('caller', caller);
    if (caller.mode !== 'caller-key') return next();
    // A key fal refused during this call counts as a failed attempt of this address too.
    await untilResponseDone(c, next, () => {
      if (options.refused.has(caller.tenant)) void options.failures.failed(ip).catch(() => undefined);
    });
  };

const lockedOut = (seconds: number) =>
  jsonRpcErrorResponse(
    429,
    `Too many failed authentication attempts from this address; retry after ${seconds} s.`,
    {
      'retry-after': String(seconds),
    },
  );

/** 401 with the RFC 9728 pointer clients follow to find the authorization server. */
function challenge(oauth: OAuthService, url: string, message: string, invalidToken: boolean): Response {
  const params = [
    ...(invalidToken ? ['error="invalid_token"', `error_description="${message.replace(/"/g, "'")}"`] : []),
    `resource_metadata="${oauth.resourceMetadataUrl(url)}"`,
  ];
  return jsonRpcErrorResponse(401, message, { 'www-authenticate': `Bearer ${params.join(', ')}` });
}

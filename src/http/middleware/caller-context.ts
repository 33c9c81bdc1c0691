import type { MiddlewareHandler } from 'hono';
import { callerFor, resolveCaller } from '../../auth/caller.js';
import { KIND } from '../../auth/oauth/grants.js';
import type { OAuthService } from '../../auth/oauth/service.js';
import type { AuthPosture } from '../../config.js';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';

const TOKEN_REFUSED = {
  invalid: 'The access token is not valid (tampered, or sealed with a secret this server no longer holds).',
  expired: 'The access token has expired; refresh it or sign in again.',
  audience: 'The access token was issued for another server.',
} as const;

/**
 * Credential headers → caller, once per request, before anything MCP happens.
 * With OAuth on, a sealed access token is a caller like a header key is, and a
 * request with no credential at all is challenged so URL-only clients sign in.
 */
export const callerContext =
  (posture: AuthPosture, oauth?: OAuthService): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const authorization = c.req.header('authorization');
    const falKey = c.req.header('x-fal-key');
    const bearer = /^bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];

    if (oauth && bearer?.startsWith(`${KIND.access}.`) && !falKey) {
      const opened = oauth.verifyAccessToken(bearer, c.req.url);
      if (!opened.ok) return challenge(oauth, c.req.url, TOKEN_REFUSED[opened.reason], true);
      c.set('caller', callerFor(opened.value.key, 'caller-key'));
      return next();
    }

    const result = resolveCaller({ falKey, authorization }, posture);
    if (!result.ok) {
      if (oauth)
        return challenge(oauth, c.req.url, result.message, Boolean(authorization?.trim() || falKey?.trim()));
      const scheme = posture.kind === 'shared-key' ? 'Bearer realm="fal-mcp"' : 'Key realm="fal-mcp"';
      return jsonRpcErrorResponse(result.status, result.message, { 'www-authenticate': scheme });
    }
    if (oauth && result.caller.mode === 'anonymous') {
      return challenge(
        oauth,
        c.req.url,
        'Sign in to use this server: your client should open the sign-in page (OAuth), or send "X-Fal-Key: <key>".',
        false,
      );
    }
    c.set('caller', result.caller);
    await next();
  };

/** 401 with the RFC 9728 pointer clients follow to find the authorization server. */
function challenge(oauth: OAuthService, url: string, message: string, invalidToken: boolean): Response {
  const params = [
    ...(invalidToken ? ['error="invalid_token"', `error_description="${message.replace(/"/g, "'")}"`] : []),
    `resource_metadata="${oauth.resourceMetadataUrl(url)}"`,
  ];
  return jsonRpcErrorResponse(401, message, { 'www-authenticate': `Bearer ${params.join(', ')}` });
}

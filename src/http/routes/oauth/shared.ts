import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { errorPage, PAGE_HEADERS } from '../../../auth/oauth/pages.js';
import type { OAuthService } from '../../../auth/oauth/service.js';
import type { AuthFailures } from '../../../limits/auth-failures.js';
import type { RateLimiter } from '../../../limits/rate-limiter.js';
import type { ClientIp } from '../../client-ip.js';
import type { AppEnv } from '../../env.js';

export interface OAuthRouteOptions {
  oauth: OAuthService;
  rateLimiter: RateLimiter | undefined;
  clientIp: ClientIp;
  /** Keys fal refused on the consent page, per address and per OAuth client: past the budget, no more are checked. */
  keyChecks: { address: AuthFailures; client: AuthFailures };
  /** Unset: the issuer is the request's origin, which is only trusted on a loopback host. */
  publicUrl: string | undefined;
}

// RFC 7636: 43–128 unreserved characters (an S256 challenge is exactly 43).
export const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;
export const NO_STORE = { 'cache-control': 'no-store' };

/** Browser-based clients (the MCP inspector) read discovery, registration and token answers cross-origin. */
export const oauthCors = cors({
  origin: '*',
  allowMethods: ['GET', 'POST', 'OPTIONS'],
  allowHeaders: ['content-type', 'authorization', 'mcp-protocol-version'],
  maxAge: 86400,
});

/** Sign-in is rare; a caller hammering it is guessing. Same budget as MCP requests, per address. */
export function signInBudget(options: OAuthRouteOptions): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
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
}

export const smallBody = bodyLimit({
  maxSize: 64 * 1024,
  onError: (c) => c.json({ error: 'invalid_request', error_description: 'Request body too large.' }, 413),
});

export function htmlPage(
  c: Context<AppEnv>,
  status: ContentfulStatusCode,
  title: string,
  message: string,
  next: string,
) {
  return c.html(errorPage(title, message, next), status, PAGE_HEADERS);
}

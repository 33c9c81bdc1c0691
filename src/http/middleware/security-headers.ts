import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';

/**
 * Hono's secure headers on every answer: no sniffing, no framing, no referrer.
 * HSTS only when the server is reached over https (PUBLIC_URL); over plain http
 * browsers ignore it, and on loopback it would pin localhost for a day's work.
 */
export function securityHeaders(publicUrl: string | undefined): MiddlewareHandler {
  return secureHeaders({
    xFrameOptions: 'DENY',
    strictTransportSecurity: publicUrl?.startsWith('https://')
      ? 'max-age=15552000; includeSubDomains'
      : false,
  });
}

/**
 * The sign-in pages' content policy: inline styles only, no scripts, never framed.
 * form-action is left out on purpose: Chrome applies it to the redirect after the
 * POST, and the redirect goes to the client's own (often custom-scheme) URI.
 */
export const pageContentPolicy: MiddlewareHandler = secureHeaders({
  xFrameOptions: 'DENY',
  strictTransportSecurity: false,
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'unsafe-inline'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
});

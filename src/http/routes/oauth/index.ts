import { Hono } from 'hono';
import { isLoopbackHost } from '../../../lib/loopback.js';
import type { AppEnv } from '../../env.js';
import { authorizeRoutes } from './authorize.js';
import { metadataRoutes } from './metadata.js';
import type { OAuthRouteOptions } from './shared.js';
import { tokenRoutes } from './token.js';

export type { OAuthRouteOptions } from './shared.js';

/**
 * The authorization server (RFC 8414, 7591, 9728, 6749 + PKCE, CIMD): discovery
 * documents, client registration, the consent page and the token endpoint.
 * Nothing here writes state except the used-code set.
 */
export function oauthRoutes(options: OAuthRouteOptions): Hono<AppEnv> {
  const route = new Hono<AppEnv>();
  route.use('*', async (c, next) => {
    if (!options.publicUrl && !isLoopbackHost(new URL(c.req.url).hostname)) {
      return c.json(
        { error: 'invalid_request', error_description: 'Set PUBLIC_URL to use sign-in off loopback.' },
        421,
      );
    }
    await next();
  });
  route.route('/', metadataRoutes(options));
  route.route('/', authorizeRoutes(options));
  route.route('/', tokenRoutes(options));
  return route;
}

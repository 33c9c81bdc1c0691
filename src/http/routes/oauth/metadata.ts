import type { Context } from 'hono';
import { Hono } from 'hono';
import type { AppEnv } from '../../env.js';
import { NO_STORE, type OAuthRouteOptions, oauthCors, signInBudget, smallBody } from './shared.js';

/** Discovery documents (RFC 9728, RFC 8414), CORS preflight, and client registration (RFC 7591). */
export function metadataRoutes(options: OAuthRouteOptions): Hono<AppEnv> {
  const { oauth } = options;
  const route = new Hono<AppEnv>();
  const limited = signInBudget(options);
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
      NO_STORE,
    );
  route.use('/.well-known/*', oauthCors);
  route.use('/register', oauthCors);
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
      NO_STORE,
    );
  });

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
        NO_STORE,
      );
    }
    const result = oauth.clients.register(body);
    if (!result.ok)
      return c.json({ error: result.error, error_description: result.description }, 400, NO_STORE);
    c.get('log').info('oauth client registered', { requestId: c.get('requestId') });
    return c.json(result.response, 201, NO_STORE);
  });

  return route;
}

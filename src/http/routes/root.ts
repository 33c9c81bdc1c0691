import { Hono } from 'hono';
import { SERVER_NAME, SERVER_VERSION } from '../../version.js';
import type { AppEnv } from '../env.js';

/** GET /: what this is and how to connect, for people who curl the URL. */
export function rootRoute(toolNames: readonly string[], sharedKey: boolean, oauth: boolean): Hono<AppEnv> {
  const route = new Hono<AppEnv>();
  route.get('/', (c) => {
    const base = new URL(c.req.url).origin;
    const auth = sharedKey
      ? 'Send "Authorization: Bearer <access token>" from the operator; add "X-Fal-Key: <your key>" to use your own fal key.'
      : oauth
        ? 'Sign in with OAuth (clients that only take a URL open a page where you paste your fal key once), or send "X-Fal-Key: <key>".'
        : 'Send your fal key as "X-Fal-Key: <key>" (or "Authorization: Bearer <key>"). Browsing models works without one.';
    return c.json({
      name: SERVER_NAME,
      version: SERVER_VERSION,
      description: "MCP server for fal.ai: discover, price and run fal's generative media models.",
      mcp: {
        endpoint: `${base}/mcp`,
        transport: 'streamable-http (stateless; protocol 2026-07-28 and 2025-era clients)',
        auth,
      },
      connect: {
        // With the operator's key, the access token is what admits a caller; a fal key alone is refused.
        claude_code: sharedKey
          ? `claude mcp add --transport http fal ${base}/mcp --header "Authorization: Bearer $MCP_ACCESS_TOKEN"`
          : `claude mcp add --transport http fal ${base}/mcp --header "X-Fal-Key: $FAL_KEY"`,
        mcp_json: {
          mcpServers: {
            fal: {
              type: 'http',
              url: `${base}/mcp`,
              headers: sharedKey
                ? { Authorization: 'Bearer <access token from the operator>' }
                : { 'X-Fal-Key': '<your fal key>' },
            },
          },
        },
        ...(oauth
          ? {
              url_only_connectors: `Add a custom connector with the URL ${base}/mcp; sign in with your fal key when asked.`,
              oauth_metadata: `${base}/.well-known/oauth-authorization-server`,
            }
          : {}),
      },
      tools: toolNames,
      health: { liveness: `${base}/health`, readiness: `${base}/ready` },
    });
  });
  return route;
}

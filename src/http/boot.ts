import { SERVER_VERSION } from '../version.js';

export type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

/**
 * Until the full app has loaded (the MCP SDK alone takes ~0.3 s to import),
 * the socket already answers: /health says the process is alive, everything
 * else is 503 "starting". Liveness is not readiness; /ready waits for the app.
 */
export function bootFetch(getApp: () => Fetch | undefined): Fetch {
  return (request, env) => {
    const app = getApp();
    if (app) return app(request, env);
    if (new URL(request.url).pathname === '/health')
      return Response.json({ status: 'ok', version: SERVER_VERSION });
    return Response.json(
      {
        jsonrpc: '2.0',
        error: { code: -32000, message: 'The server is starting; retry in a moment.' },
        id: null,
      },
      { status: 503, headers: { 'retry-after': '1' } },
    );
  };
}

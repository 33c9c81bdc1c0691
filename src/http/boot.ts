import { SERVER_VERSION } from '../version.js';

export type Fetch = (request: Request, env: unknown) => Response | Promise<Response>;

/** The app, once loaded: `get` for the fast path, `ready` for requests that arrive before. */
export interface BootingApp {
  get(): Fetch | undefined;
  ready: Promise<Fetch>;
}

/**
 * Until the full app has loaded (the MCP SDK alone takes ~0.3 s to import), the
 * socket already answers /health: the process is alive. Every other request
 * waits for the app (up to `waitMs`) instead of being refused: a load balancer
 * sends traffic as soon as /health answers, and that first request must work.
 */
export function bootFetch(app: BootingApp, waitMs = 10_000): Fetch {
  return async (request, env) => {
    const loaded = app.get();
    if (loaded) return loaded(request, env);
    if (new URL(request.url).pathname === '/health') {
      return Response.json({ status: 'ok', version: SERVER_VERSION });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    const ready = await Promise.race([app.ready, late]).finally(() => clearTimeout(timer));
    if (ready) return ready(request, env);
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

import type { MiddlewareHandler } from 'hono';
import type { McpOperation } from '../../mcp/tool-table.js';
import type { AppEnv } from '../env.js';
import { untilResponseDone } from '../response-done.js';

/** One line per request, once its response has finished. The path only: query strings may carry secrets. */
const KNOWN_ROUTES = new Set([
  '/mcp',
  '/health',
  '/ready',
  '/',
  '/metrics',
  '/webhooks/fal',
  '/webhooks/fal/:token',
]);

export const accessLog =
  (
    count: (
      route: string,
      status: number,
      seconds: number,
      operation: McpOperation | undefined,
    ) => void = () => undefined,
  ): MiddlewareHandler<AppEnv> =>
  (c, next) => {
    const started = performance.now();
    return untilResponseDone(c, next, () => {
      const elapsed = performance.now() - started;
      // A webhook's token is a capability: it is named, never written.
      const path = c.req.path.startsWith('/webhooks/fal/') ? '/webhooks/fal/:token' : c.req.path;
      // Health probes arrive every few seconds; keep them out of info logs.
      const quiet = path === '/health' || path === '/ready';
      const fields = {
        requestId: c.get('requestId'),
        method: c.req.method,
        path,
        status: c.res.status,
        ms: Math.round(elapsed),
        tenant: c.get('caller')?.tenant,
      };
      // Unknown paths share one label, so scanners cannot blow up the metric's cardinality.
      count(KNOWN_ROUTES.has(path) ? path : 'other', c.res.status, elapsed / 1000, c.get('operation'));
      // The request's own logger: the path is scrubbed of the credentials it carried.
      const logger = c.get('log');
      if (quiet) logger.debug('http', fields);
      else logger.info('http', fields);
    });
  };

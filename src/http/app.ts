import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import { isLoopbackHost } from '../lib/loopback.js';
import { credentialsOf } from '../log-secrets.js';
import { createServerFactory } from '../mcp/server.js';
import { TaskService } from '../mcp/tasks/task-service.js';
import { buildToolTable } from '../mcp/tool-table.js';
import { mediaViewResource } from '../resources/media-view.js';
import { modelCardResource } from '../resources/model-card.js';
import { createServices, type ServiceDeps, type Services } from '../services.js';
import type { SharedStore } from '../store/store.js';
import { ALL_TOOLS } from '../tools/index.js';
import { clientIpResolver } from './client-ip.js';
import type { AppEnv } from './env.js';
import { jsonRpcErrorResponse } from './jsonrpc-error.js';
import { accessLog } from './middleware/access-log.js';
import { hostValidation } from './middleware/origin-host.js';
import { securityHeaders } from './middleware/security-headers.js';
import { untilResponseDone } from './response-done.js';
import { healthRoutes } from './routes/health.js';
import { mcpRoute } from './routes/mcp.js';
import { metricsRoute } from './routes/metrics.js';
import { oauthRoutes } from './routes/oauth/index.js';
import { rootRoute } from './routes/root.js';
import { serverCardRoute } from './routes/server-card.js';
import { webhookRoutes } from './routes/webhooks.js';

export type AppDeps = ServiceDeps;

export interface BuiltApp {
  app: Hono<AppEnv>;
  services: Services;
  /** Flip /ready to 503 and refuse new MCP requests before shutting down. */
  startDraining(): void;
  /** Requests being served right now (the drain waits for this to reach 0). */
  inFlight(): number;
  /** The state shared across machines (memory unless REDIS_URL is set). */
  store: SharedStore;
  /** Release what the app holds open (the store's connection). */
  close(): Promise<void>;
}

/** The HTTP edge over the services: reading top to bottom gives the request flow. */
export function createApp(deps: AppDeps): BuiltApp {
  const { config, logger } = deps;
  // Each tool's way of showing its finished jobs, so check_job and tasks/get show them the same way.
  const presenters = new Map(ALL_TOOLS.flatMap((t) => (t.present ? [[t.name, t.present] as const] : [])));
  const { services, edge } = createServices({ ...deps, presenters });
  const { registry, fal, jobs, metrics } = services;
  const { store, failures, oauth } = edge;
  const table = buildToolTable(ALL_TOOLS, services);
  const toolNames = new Set(ALL_TOOLS.map((t) => t.name));
  const clientIp = clientIpResolver(config, () =>
    logger.warn(
      'requests carry X-Forwarded-For or Fly-Client-IP but TRUST_PROXY is none: behind a proxy every client shares its address (and its rate limit); set TRUST_PROXY',
    ),
  );
  const limits = {
    tenant: edge.rateLimits?.tenant,
    ip: edge.rateLimits?.ip,
    clientIp,
    heavy: edge.heavyBodies,
  };
  const policy = {
    allowedOrigins: config.allowedOrigins,
    allowedHosts: config.allowedHosts,
    loopbackBind: isLoopbackHost(config.host),
  };
  let draining = false;
  let inFlight = 0;

  const app = new Hono<AppEnv>();
  // The credentials a request carries are scrubbed, exactly, from every log line written for it.
  app.use('*', (c, next) => {
    c.set('log', logger.withSecrets(credentialsOf(c.req.raw.headers)));
    return next();
  });
  // A proxy's X-Request-Id is kept when it is short and plain; otherwise one is minted.
  app.use('*', requestId({ limitLength: 64 }));
  // Pages, discovery and probes get browser security headers; /mcp answers programs (JSON, SSE),
  // which read none of them, and it is the path every call takes.
  const secure = securityHeaders(config.publicUrl);
  app.use('*', (c, next) => (c.req.path === '/mcp' ? next() : secure(c, next)));
  app.use(
    '*',
    accessLog((path, status, seconds, operation) => {
      metrics.http(path, status, seconds);
      if (operation) metrics.operation(operation, status, seconds, toolNames);
    }),
  );
  app.use('*', hostValidation(policy));
  app.use('/mcp', async (c, next) => {
    if (draining) {
      return jsonRpcErrorResponse(503, 'The server is shutting down; retry shortly.', {
        connection: 'close',
        'retry-after': '5',
      });
    }
    // In flight until the response has finished, streamed (SSE) answers included, so a drain waits for them.
    inFlight++;
    await untilResponseDone(c, next, () => {
      inFlight--;
    });
  });
  app.route(
    '/',
    healthRoutes({
      registry,
      breakers: () => fal.breakerStates(),
      store: () => store.status(),
      isDraining: () => draining,
    }),
  );
  app.route('/', metricsRoute(metrics, config.metrics));
  app.route(
    '/',
    serverCardRoute({
      publicUrl: config.publicUrl,
      sharedKey: config.auth.kind === 'shared-key',
      oauth: config.oauth.enabled,
    }),
  );
  if (edge.webhookKeys) {
    app.route(
      '/',
      webhookRoutes({
        jobs,
        keys: edge.webhookKeys,
        logger,
        maxBodyBytes: config.maxUpstreamResponseBytes,
        limits,
        // A forged delivery is a failed authentication of its address, like a wrong token.
        lockedFor: (c) => failures.lockedFor(clientIp(c)),
        failed: (c) => failures.failed(clientIp(c)),
        forgive: (c) => failures.forgive(clientIp(c)),
      }),
    );
  }
  if (oauth) {
    app.route(
      '/',
      oauthRoutes({
        oauth,
        rateLimiter: limits.tenant,
        clientIp,
        publicUrl: config.publicUrl,
        keyChecks: { address: failures, client: edge.clientKeyChecks },
      }),
    );
  }
  app.route(
    '/',
    rootRoute(
      table.map((t) => t.name),
      config.auth.kind === 'shared-key',
      config.oauth.enabled,
    ),
  );
  app.route(
    '/mcp',
    mcpRoute({
      factory: createServerFactory(
        table,
        [modelCardResource(services)],
        TaskService.create(config.tasksSecrets, services, deps.now),
        mediaViewResource(config.mediaOrigins),
      ),
      posture: config.auth,
      tracing: deps.tracing,
      policy,
      maxBodyBytes: config.maxBodyBytes,
      limits,
      failures,
      refused: edge.refused,
      logger,
      oauth,
    }),
  );
  app.notFound(() => jsonRpcErrorResponse(404, 'Not found. The MCP endpoint is POST /mcp.'));
  app.onError((error, c) => {
    // Hono's own middleware (bearer auth, body limits) answers by throwing its response.
    if (error instanceof HTTPException) return error.getResponse();
    (c.get('log') ?? logger).error('unhandled error', { requestId: c.get('requestId'), error });
    return jsonRpcErrorResponse(500, `Internal server error (request id ${c.get('requestId')}).`, {}, -32603);
  });

  return {
    app,
    services,
    startDraining: () => {
      draining = true;
    },
    inFlight: () => inFlight,
    store,
    close: async () => {
      services.previews.close();
      // Spans still buffered go out before the process ends.
      await deps.tracing?.shutdown().catch(() => undefined);
      await store.close();
    },
  };
}

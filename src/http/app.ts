import { Hono } from 'hono';
import type { MetadataDocumentFetcher } from '../auth/oauth/clients.js';
import { createOAuthService } from '../auth/oauth/create.js';
import type { Config } from '../config.js';
import { FalClient } from '../fal/client.js';
import { IdempotencyKeys } from '../jobs/idempotency.js';
import { JobService } from '../jobs/job-service.js';
import { JobStore } from '../jobs/job-store.js';
import { isLoopbackHost } from '../lib/loopback.js';
import { AuthFailures } from '../limits/auth-failures.js';
import { ConcurrencyLimiter } from '../limits/concurrency.js';
import { RateLimiter } from '../limits/rate-limiter.js';
import { RefusedKeys } from '../limits/refused-keys.js';
import type { Logger } from '../log.js';
import { credentialsOf } from '../log-secrets.js';
import { createServerFactory } from '../mcp/server.js';
import { buildToolTable } from '../mcp/tool-table.js';
import { registerGauges } from '../metrics/gauges.js';
import { M, Metrics } from '../metrics/metrics.js';
import { ModelSchemaService } from '../registry/model-schemas.js';
import { PricingService } from '../registry/pricing.js';
import { ModelRegistry } from '../registry/registry.js';
import { SharedCatalogue } from '../registry/shared-catalogue.js';
import { modelCardResource } from '../resources/model-card.js';
import type { Services } from '../services.js';
import { MemoryStore } from '../store/memory-store.js';
import type { SharedStore } from '../store/store.js';
import { ALL_TOOLS } from '../tools/index.js';
import { FalWebhookKeys } from '../webhooks/fal-keys.js';
import { clientIpResolver } from './client-ip.js';
import type { AppEnv } from './env.js';
import { jsonRpcErrorResponse } from './jsonrpc-error.js';
import { accessLog } from './middleware/access-log.js';
import { hostValidation } from './middleware/origin-host.js';
import { requestId } from './middleware/request-id.js';
import { untilResponseDone } from './response-done.js';
import { healthRoutes } from './routes/health.js';
import { mcpRoute } from './routes/mcp.js';
import { metricsRoute } from './routes/metrics.js';
import { oauthRoutes } from './routes/oauth/index.js';
import { rootRoute } from './routes/root.js';
import { webhookRoutes } from './routes/webhooks.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  /** Tests may swap the fetch the fal client uses; production uses the global one. */
  fetch?: typeof fetch;
  /** Tests may serve Client ID Metadata Documents without https; production fetches them. */
  fetchClientMetadata?: MetadataDocumentFetcher;
  /** The shared store from createStore() (required with REDIS_URL); memory when omitted. */
  store?: SharedStore;
}

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

/** Assemble the whole server. Reading top to bottom gives the request flow. */
export function createApp({ config, logger, fetch, fetchClientMetadata, ...deps }: AppDeps): BuiltApp {
  const metrics = new Metrics();
  if (config.redis && !deps.store) throw new Error('REDIS_URL is set: pass the store from createStore()');
  const store = deps.store ?? new MemoryStore(Date.now, 100_000, 32 * 1024 * 1024);
  const refused = new RefusedKeys();
  const fal = new FalClient({
    apiUrl: config.falApiUrl,
    queueUrl: config.falQueueUrl,
    storageUrl: config.falStorageUrl,
    timeoutMs: config.upstreamTimeoutMs,
    retryLimit: config.upstreamRetries,
    breakerThreshold: config.breakerFailureThreshold,
    breakerCooldownMs: config.breakerCooldownMs,
    breakerQuorum: config.breakerQuorum,
    maxResponseBytes: config.maxUpstreamResponseBytes,
    observe: (api, outcome, seconds) => M.upstream(metrics, api, outcome, seconds),
    onKeyRefused: (tenant) => refused.add(tenant),
    ...(fetch ? { fetch } : {}),
  });
  const crawlKey = config.auth.kind === 'caller-key' ? undefined : config.auth.operatorKey;
  const registry = new ModelRegistry({
    fal,
    crawlKey,
    ttlSeconds: config.modelCacheTtlSeconds,
    logger,
    // Only worth it when other processes can read it: in memory it would just hold a second copy.
    shared: store.shared ? new SharedCatalogue(store) : undefined,
  });
  const schemas = new ModelSchemaService({
    fal,
    registry,
    crawlKey,
    ttlMs: config.modelCacheTtlSeconds * 1000,
    onLookup: (hit) => M.cache(metrics, 'schema', hit),
  });
  // fal's webhook brings every job's outcome here, so results outlive fal's retention.
  const webhookUrl = config.publicUrl ? `${config.publicUrl}/webhooks/fal` : undefined;
  const jobs = new JobService({
    fal,
    registry,
    schemas,
    // In memory, outcomes (up to 256 KiB each) get their own 32 MiB, apart from keys and records.
    store: new JobStore(store, {
      outcomes: store.shared ? store : new MemoryStore(Date.now, 50_000, 32 * 1024 * 1024),
    }),
    keys: new IdempotencyKeys(store),
    logger,
    queueUrl: config.falQueueUrl,
    webhookUrl,
    limits: {
      defaultWaitSeconds: config.defaultWaitSeconds,
      maxWaitSeconds: config.maxWaitSeconds,
      serverMaxCostUsd: config.maxCostPerCallUsd,
      maxInputBytes: config.maxInputBytes,
    },
    waits: new ConcurrencyLimiter(config.maxConcurrentJobsPerTenant),
  });
  const services: Services = {
    registry,
    schemas,
    pricing: new PricingService(fal, (hit) => M.cache(metrics, 'pricing', hit)),
    jobs,
    // Uploads stream through; these bound how many run at once, per key and in all.
    uploads: new ConcurrencyLimiter(4, 16),
    fetchPolicy: {
      maxBytes: config.uploadMaxBytes,
      timeoutMs: config.fetchTimeoutMs,
      allowHosts: config.fetchAllowHosts,
    },
    fal,
    logger,
    metrics,
  };
  registerGauges(metrics, { registry, fal, store });
  const table = buildToolTable(ALL_TOOLS, services);
  const oauth = config.oauth.enabled
    ? createOAuthService(config, config.oauth, fal, store, fetchClientMetadata)
    : undefined;
  const limitsOn = config.rateLimitPerMinute > 0;
  const rateLimiter = limitsOn
    ? new RateLimiter(store, config.rateLimitPerMinute, config.rateLimitBurst)
    : undefined;
  const clientIp = clientIpResolver(config, () =>
    logger.warn(
      'requests carry X-Forwarded-For or Fly-Client-IP but TRUST_PROXY is none: behind a proxy every client shares its address (and its rate limit); set TRUST_PROXY',
    ),
  );
  const limits = {
    tenant: rateLimiter,
    ip: limitsOn ? new RateLimiter(store, config.rateLimitIpPerMinute, config.rateLimitIpBurst) : undefined,
    clientIp,
    heavy: new ConcurrencyLimiter(2),
  };
  const failures = new AuthFailures(store);
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
  app.use('*', requestId());
  app.use(
    '*',
    accessLog((path, status, seconds) => M.http(metrics, path, status, seconds)),
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
  if (webhookUrl) {
    app.route(
      '/',
      webhookRoutes({
        jobs,
        keys: new FalWebhookKeys(config.falWebhookJwksUrl, fetch),
        logger,
        maxBodyBytes: config.maxUpstreamResponseBytes,
        isLocked: async (c) => (await failures.lockedFor(clientIp(c))) > 0,
        // A forged delivery is a failed authentication of its address, like a wrong token.
        onRefused: async (c) => {
          const locked = await failures.failed(clientIp(c));
          return locked > 0
            ? c.json({ error: 'too_many_failures', retry_after: locked }, 429, {
                'retry-after': String(locked),
              })
            : undefined;
        },
      }),
    );
  }
  if (oauth) {
    app.route('/', oauthRoutes({ oauth, rateLimiter, clientIp, publicUrl: config.publicUrl }));
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
      factory: createServerFactory(table, [modelCardResource(services)]),
      posture: config.auth,
      policy,
      maxBodyBytes: config.maxBodyBytes,
      limits,
      failures,
      refused,
      logger,
      oauth,
    }),
  );
  app.notFound(() => jsonRpcErrorResponse(404, 'Not found. The MCP endpoint is POST /mcp.'));
  app.onError((error, c) => {
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
    close: () => store.close(),
  };
}

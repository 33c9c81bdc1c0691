import { Hono } from 'hono';
import type { MetadataDocumentFetcher } from '../auth/oauth/clients.js';
import { OAuthService } from '../auth/oauth/service.js';
import type { Config, OAuthConfig } from '../config.js';
import { FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { fetchPricing } from '../fal/platform.js';
import { JobService } from '../jobs/job-service.js';
import { JobStore } from '../jobs/job-store.js';
import { fetchPublicUrl } from '../jobs/safe-fetch.js';
import { ConcurrencyLimiter } from '../limits/concurrency.js';
import { RateLimiter } from '../limits/rate-limiter.js';
import type { Logger } from '../log.js';
import { createServerFactory } from '../mcp/server.js';
import { buildToolTable } from '../mcp/tool-table.js';
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
import type { AppEnv } from './env.js';
import { jsonRpcErrorResponse } from './jsonrpc-error.js';
import { accessLog } from './middleware/access-log.js';
import { requestId } from './middleware/request-id.js';
import { healthRoutes } from './routes/health.js';
import { mcpRoute } from './routes/mcp.js';
import { metricsRoute } from './routes/metrics.js';
import { oauthRoutes } from './routes/oauth.js';
import { rootRoute } from './routes/root.js';

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

/** Sign-in: sealed grants, the key checked with fal, client documents fetched through the SSRF guard. */
function createOAuthService(
  config: Config,
  oauth: Extract<OAuthConfig, { enabled: true }>,
  fal: FalClient,
  store: SharedStore,
  fetchMetadataDocument?: MetadataDocumentFetcher,
): OAuthService {
  return new OAuthService({
    store,
    secrets: oauth.secrets,
    publicUrl: config.publicUrl,
    accessSeconds: oauth.accessTokenSeconds,
    refreshSeconds: oauth.refreshTokenSeconds,
    fetchMetadataDocument:
      fetchMetadataDocument ??
      (async (url) => {
        const file = await fetchPublicUrl(url, {
          maxBytes: 16 * 1024,
          timeoutMs: 5000,
          maxRedirects: 0,
          allowHosts: config.fetchAllowHosts,
        });
        return JSON.parse(file.bytes.toString('utf8')) as unknown;
      }),
    checkKey: async (key) => {
      try {
        await fetchPricing(fal, [KEY_CHECK_ENDPOINT], key);
        return 'accepted';
      } catch (error) {
        if (!(error instanceof FalError)) throw error;
        if (error.kind === 'auth') return 'refused';
        // 404/422 still means fal authenticated the key; anything else says nothing about it.
        return error.kind === 'not_found' || error.kind === 'validation' ? 'accepted' : 'unavailable';
      }
    },
  });
}

/** A long-lived public endpoint whose price lookup is the cheapest authenticated call fal has. */
const KEY_CHECK_ENDPOINT = 'fal-ai/flux/dev';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Assemble the whole server. Reading top to bottom gives the request flow. */
export function createApp({ config, logger, fetch, fetchClientMetadata, ...deps }: AppDeps): BuiltApp {
  const metrics = new Metrics();
  if (config.redis && !deps.store) throw new Error('REDIS_URL is set: pass the store from createStore()');
  const store = deps.store ?? new MemoryStore();
  const fal = new FalClient({
    apiUrl: config.falApiUrl,
    queueUrl: config.falQueueUrl,
    storageUrl: config.falStorageUrl,
    timeoutMs: config.upstreamTimeoutMs,
    retryLimit: config.upstreamRetries,
    breakerThreshold: config.breakerFailureThreshold,
    breakerCooldownMs: config.breakerCooldownMs,
    observe: (api, outcome, seconds) => M.upstream(metrics, api, outcome, seconds),
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
  const jobs = new JobService({
    fal,
    registry,
    schemas,
    store: new JobStore(store),
    logger,
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
    fetchPolicy: {
      maxBytes: config.uploadMaxBytes,
      timeoutMs: config.fetchTimeoutMs,
      allowHosts: config.fetchAllowHosts,
    },
    fal,
    logger,
    metrics,
  };
  metrics.gauge(() => {
    const s = registry.status();
    return {
      name: 'fal_mcp_catalogue',
      help: 'Model catalogue: models, age in seconds, crawls since start, and whether it is the fallback list',
      values: [
        [{ measure: 'models' }, s.models],
        [{ measure: 'age_seconds' }, s.ageSeconds ?? -1],
        [{ measure: 'crawls' }, s.crawls],
        [{ measure: 'fallback' }, s.source === 'fallback' ? 1 : 0],
      ],
    };
  });
  metrics.gauge(() => ({
    name: 'fal_mcp_upstream_circuit_open',
    help: 'Whether the circuit to each fal API is open (1) or not (0)',
    values: Object.entries(fal.breakerStates()).map(([api, state]) => [{ api }, state === 'open' ? 1 : 0]),
  }));
  metrics.gauge(() => {
    const m = process.memoryUsage();
    return {
      name: 'fal_mcp_process_memory_bytes',
      help: 'Process memory: resident set, V8 heap used and total, and memory outside the heap',
      values: [
        [{ measure: 'rss' }, m.rss],
        [{ measure: 'heap_used' }, m.heapUsed],
        [{ measure: 'heap_total' }, m.heapTotal],
        [{ measure: 'external' }, m.external + m.arrayBuffers],
      ],
    };
  });
  metrics.gauge(() => {
    const s = store.status();
    return {
      name: 'fal_mcp_shared_store_up',
      help: 'Whether the shared store (memory, or Redis with REDIS_URL) answers (1) or not (0)',
      values: [[{ kind: s.kind }, s.state === 'ok' ? 1 : 0]],
    };
  });
  const table = buildToolTable(ALL_TOOLS, services);
  const oauth = config.oauth.enabled
    ? createOAuthService(config, config.oauth, fal, store, fetchClientMetadata)
    : undefined;
  const rateLimiter =
    config.rateLimitPerMinute > 0
      ? new RateLimiter(store, config.rateLimitPerMinute, config.rateLimitBurst)
      : undefined;
  let draining = false;
  let inFlight = 0;

  const app = new Hono<AppEnv>();
  app.use('*', requestId());
  app.use(
    '*',
    accessLog(logger, (path, status, seconds) => M.http(metrics, path, status, seconds)),
  );
  app.use('/mcp', async (_c, next) => {
    if (draining) {
      return jsonRpcErrorResponse(503, 'The server is shutting down; retry shortly.', {
        connection: 'close',
        'retry-after': '5',
      });
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
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
  if (oauth) {
    app.route(
      '/',
      oauthRoutes({ oauth, logger, rateLimiter, trustProxy: config.trustProxy, publicUrl: config.publicUrl }),
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
      factory: createServerFactory(table, [modelCardResource(services)]),
      posture: config.auth,
      policy: {
        allowedOrigins: config.allowedOrigins,
        allowedHosts: config.allowedHosts,
        loopbackBind: LOOPBACK.has(config.host),
      },
      maxBodyBytes: config.maxBodyBytes,
      rateLimiter,
      trustProxy: config.trustProxy,
      logger,
      oauth,
    }),
  );
  app.notFound(() => jsonRpcErrorResponse(404, 'Not found. The MCP endpoint is POST /mcp.'));
  app.onError((error, c) => {
    logger.error('unhandled error', { requestId: c.get('requestId'), error });
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

import type { MetadataDocumentFetcher } from './auth/oauth/clients.js';
import { createOAuthService } from './auth/oauth/create.js';
import type { OAuthService } from './auth/oauth/service.js';
import type { Config } from './config.js';
import { FalClient } from './fal/client.js';
import { DailyBudget } from './jobs/daily-budget.js';
import { FalHistory } from './jobs/fal-history.js';
import { IdempotencyKeys } from './jobs/idempotency.js';
import { JobHistory } from './jobs/job-history.js';
import { JobService } from './jobs/job-service.js';
import { JobStore } from './jobs/job-store.js';
import { PayloadDeleter } from './jobs/payloads.js';
import { PendingUploads } from './jobs/pending-uploads.js';
import { PlanEstimator } from './jobs/plan-estimate.js';
import { RunEstimator } from './jobs/run-estimator.js';
import { SpendConfirmations } from './jobs/spend-confirmations.js';
import { UploadService } from './jobs/upload-service.js';
import { WebhookTokens } from './jobs/webhook-tokens.js';
import { AuthFailures } from './limits/auth-failures.js';
import { ConcurrencyLimiter } from './limits/concurrency.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { RefusedKeys } from './limits/refused-keys.js';
import type { Logger } from './log.js';
import { PreviewMaker } from './media/previews.js';
import { Metrics } from './metrics/metrics.js';
import { probePublicUrl } from './net/safe-fetch.js';
import { Discovery } from './registry/discovery.js';
import { ModelSchemaService } from './registry/model-schemas.js';
import { PricingService } from './registry/pricing.js';
import { ModelRegistry } from './registry/registry.js';
import { SharedCatalogue } from './registry/shared-catalogue.js';
import { UsageService } from './registry/usage.js';
import type { Presenter } from './runs/present.js';
import { RunService } from './runs/run-service.js';
import { MemoryStore } from './store/memory-store.js';
import type { SharedStore } from './store/store.js';
import type { Tracing } from './telemetry/tracing.js';
import { FalWebhookKeys } from './webhooks/fal-keys.js';

/** Everything a tool may use, built once per process by createServices. */
export interface Services {
  registry: ModelRegistry;
  schemas: ModelSchemaService;
  pricing: PricingService;
  /** fal's model search and recommendations (with the local index as fallback). */
  discovery: Discovery;
  /** The caller's usage and spend (admin keys). */
  usage: UsageService;
  /** The cost of planned work (estimate_cost). */
  planEstimates: PlanEstimator;
  jobs: JobService;
  /** Every model run: plan, submit, wait, hand off, present. */
  runs: RunService;
  payloads: PayloadDeleter;
  /** The caller's jobs and uploads: this server's records merged with fal's request history. */
  history: JobHistory;
  /** Files onto fal's CDN (upload_file): copied from a URL or bytes, or an upload URL handed out. */
  uploads: UploadService;
  /** Spend confirmations (MRTR requestState): minted, checked, used once. */
  confirmations: SpendConfirmations;
  /** Inline previews of result images. */
  previews: PreviewMaker;
  fal: FalClient;
  logger: Logger;
  metrics: Metrics;
  /** What this server allows each caller, as get_account states it. */
  limits: { requestsPerMinute: number; burst: number; jobsWaitedOnAtOnce: number };
  /** TENANT_DAILY_BUDGET_USD, when set: each tenant's estimated spend per UTC day. */
  budget: DailyBudget | undefined;
  /** OpenTelemetry traces, when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing: Tracing | undefined;
}

/** What the HTTP edge needs besides the tools' services: the limits and checks it runs before a tool. */
export interface EdgeServices {
  store: SharedStore;
  /** Keys fal refused lately (401 at the edge for a while, without asking fal again). */
  refused: RefusedKeys;
  /** Failed authentications per address (lockout). */
  failures: AuthFailures;
  /**
   * Keys refused on the sign-in page per OAuth client, whatever the address: 100, then one a second.
   * Looser than per address, since a public client id is shared by everyone who signs in with it.
   */
  clientKeyChecks: AuthFailures;
  /** Per tenant and per address; undefined when RATE_LIMIT_PER_MINUTE is 0. */
  rateLimits: { tenant: RateLimiter; ip: RateLimiter } | undefined;
  /** Bodies of 256 KiB and more, two at a time per address. */
  heavyBodies: ConcurrencyLimiter;
  oauth: OAuthService | undefined;
  /** fal's webhook signing keys; undefined unless PUBLIC_URL makes the receiver reachable. */
  webhookKeys: FalWebhookKeys | undefined;
  /** Where fal delivers job outcomes (`<PUBLIC_URL>/webhooks/fal`), if anywhere. */
  webhookUrl: string | undefined;
}

export interface ServiceDeps {
  config: Config;
  logger: Logger;
  /** Tests may swap the fetch the fal client uses; production uses the global one. */
  fetch?: typeof fetch | undefined;
  /** Tests may serve Client ID Metadata Documents without https; production fetches them. */
  fetchClientMetadata?: MetadataDocumentFetcher | undefined;
  /** The shared store from createStore() (required with REDIS_URL); memory when omitted. */
  store?: SharedStore | undefined;
  /** The clock circuits cool down by and tasks are dated by; tests pass a manual one. */
  now?: (() => number) | undefined;
  /** How tools show their finished jobs beyond the common view, by tool name (from the tool table). */
  presenters?: ReadonlyMap<string, Presenter> | undefined;
  /** OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT), started before the app. */
  tracing?: Tracing | undefined;
}

const MiB = 1024 * 1024;

/** Build every long-lived part of the server once, from the configuration. */
export function createServices({
  config,
  logger,
  fetch,
  fetchClientMetadata,
  now,
  presenters,
  tracing,
  ...deps
}: ServiceDeps): {
  services: Services;
  edge: EdgeServices;
} {
  if (config.redis && !deps.store) throw new Error('REDIS_URL is set: pass the store from createStore()');
  const store = deps.store ?? new MemoryStore(Date.now, 100_000, 32 * MiB);
  const metrics = new Metrics();
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
    observe: (api, outcome, seconds) => metrics.upstream(api, outcome, seconds),
    onKeyRefused: (tenant) => refused.add(tenant),
    ...(fetch ? { fetch } : {}),
    ...(now ? { now } : {}),
    tracing,
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
    onLookup: (hit) => metrics.cache('schema', hit),
  });
  // fal's webhook brings every job's outcome here, so results outlive fal's retention.
  const webhookUrl = config.publicUrl ? `${config.publicUrl}/webhooks/fal` : undefined;
  const webhooks = webhookUrl ? new WebhookTokens(store, webhookUrl) : undefined;
  // In memory, outcomes (up to 256 KiB each) get their own 32 MiB, apart from keys and records.
  const jobStore = new JobStore(store, {
    outcomes: store.shared ? store : new MemoryStore(Date.now, 50_000, 32 * MiB),
  });
  const fetchPolicy = {
    maxBytes: config.uploadMaxBytes,
    timeoutMs: config.fetchTimeoutMs,
    allowHosts: config.fetchAllowHosts,
  };
  const pendingUploads = new PendingUploads(store, (url, signal) => probePublicUrl(url, fetchPolicy, signal));
  const pricing = new PricingService(fal, (hit) => metrics.cache('pricing', hit));
  const falHistory = new FalHistory({ fal, waitMs: Math.min(8_000, config.upstreamTimeoutMs) });
  const history = new JobHistory({ fal, falHistory, store: jobStore, pricing });
  // In memory, budget counters get a store of their own: nothing another tenant writes can push them out.
  const budget =
    config.tenantDailyBudgetUsd === undefined
      ? undefined
      : new DailyBudget(
          store.shared ? store : new MemoryStore(Date.now, 200_000, 16 * MiB),
          config.tenantDailyBudgetUsd,
        );
  const jobs = new JobService({
    history: falHistory,
    fal,
    pendingUploads,
    estimator: new RunEstimator({ pricing, registry, schemas }),
    registry,
    schemas,
    store: jobStore,
    keys: new IdempotencyKeys(store),
    logger,
    queueUrl: config.falQueueUrl,
    webhooks,
    privacy: config.privacy,
    budget,
    limits: {
      defaultWaitSeconds: config.defaultWaitSeconds,
      maxWaitSeconds: config.maxWaitSeconds,
      serverMaxCostUsd: config.maxCostPerCallUsd,
      confirmAboveUsd: config.confirmCostAboveUsd,
      maxInputBytes: config.maxInputBytes,
      allowHosts: config.fetchAllowHosts,
    },
    waits: new ConcurrencyLimiter(config.maxConcurrentJobsPerTenant),
  });
  metrics.watch({ registry, fal, store });
  const confirmations = new SpendConfirmations(config.tasksSecrets, store);
  const previews = new PreviewMaker({ allowHosts: config.fetchAllowHosts, logger });
  const services: Services = {
    registry,
    schemas,
    pricing,
    discovery: new Discovery({ registry, fal, logger }),
    usage: new UsageService(fal),
    planEstimates: new PlanEstimator({
      fal,
      estimateRun: (model, input, caller, signal) => jobs.estimate(model, input, caller, signal),
    }),
    jobs,
    runs: new RunService({
      jobs,
      confirmations,
      previews,
      plan: { registry, schemas, pricing },
      allowHosts: config.fetchAllowHosts,
      presenters,
    }),
    payloads: new PayloadDeleter({ fal, store: jobStore, logger }),
    history,
    uploads: new UploadService({
      fal,
      fetchPolicy,
      // Uploads stream through; these bound how many run at once, per key and in all.
      slots: new ConcurrencyLimiter(4, 16),
      pending: pendingUploads,
      index: jobStore.index,
      logger,
    }),
    confirmations,
    previews,
    fal,
    logger,
    metrics,
    limits: {
      requestsPerMinute: config.rateLimitPerMinute,
      burst: config.rateLimitBurst,
      jobsWaitedOnAtOnce: config.maxConcurrentJobsPerTenant,
    },
    budget,
    tracing,
  };
  const edge: EdgeServices = {
    store,
    refused,
    failures: new AuthFailures(store),
    clientKeyChecks: new AuthFailures(store, { perMinute: 60, burst: 100, prefix: 'signin-client' }),
    rateLimits:
      config.rateLimitPerMinute > 0
        ? {
            tenant: new RateLimiter(store, config.rateLimitPerMinute, config.rateLimitBurst),
            ip: new RateLimiter(store, config.rateLimitIpPerMinute, config.rateLimitIpBurst),
          }
        : undefined,
    heavyBodies: new ConcurrencyLimiter(2),
    oauth: config.oauth.enabled
      ? createOAuthService(config, config.oauth, fal, store, fetchClientMetadata)
      : undefined,
    webhookKeys: webhookUrl ? new FalWebhookKeys(config.falWebhookJwksUrl, fetch) : undefined,
    webhookUrl,
  };
  return { services, edge };
}

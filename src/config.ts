import * as v from 'valibot';
import { EnvSchema } from './config-schema.js';
import { isLoopbackHost } from './lib/loopback.js';
import { Secret } from './lib/secret.js';

/** Thrown for a bad environment: one line naming the variable and what it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type AuthPosture =
  /** No operator key: every caller brings their own. */
  | { kind: 'caller-key' }
  /** Operator key, callers authenticate with one of the access tokens. */
  | { kind: 'shared-key'; operatorKey: Secret; accessTokens: readonly Secret[] }
  /** Operator key with no access control: the operator explicitly accepted the risk. */
  | { kind: 'open-shared-key'; operatorKey: Secret };

/** The server's settings, as loadConfig makes them from the environment (each variable once, in config-schema.ts). */
export type Config = ReturnType<typeof loadConfig>;

export type OAuthConfig =
  | { enabled: false }
  | { enabled: true; secrets: readonly Secret[]; accessTokenSeconds: number; refreshTokenSeconds: number };

/** Every secret in the configuration, for the logger to scrub wherever one might surface. */
export function configSecrets(config: Config): Secret[] {
  const auth = config.auth.kind === 'caller-key' ? [] : [config.auth.operatorKey];
  const tokens = config.auth.kind === 'shared-key' ? config.auth.accessTokens : [];
  const oauth = config.oauth.enabled ? config.oauth.secrets : [];
  const tasks = config.tasksSecrets;
  const metrics = config.metrics.enabled && config.metrics.token ? [config.metrics.token] : [];
  return [...auth, ...tokens, ...oauth, ...tasks, ...metrics, ...(config.redis ? [config.redis.url] : [])];
}

/** Parse the environment once. Throws ConfigError with a single readable line. */
export function loadConfig(env: Record<string, string | undefined>) {
  const input: Record<string, string> = {};
  for (const key of Object.keys(EnvSchema.entries)) {
    const value = env[key];
    // An empty variable means "unset", as in most twelve-factor tooling.
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = v.safeParse(EnvSchema, input);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const name = issue ? v.getDotPath(issue) : undefined;
    // Never echo the received value: it may be a key.
    throw new ConfigError(
      name ? `${name}: expected ${issue?.message ?? 'a valid value'}` : 'invalid environment',
    );
  }
  const e = parsed.output;
  // Several machines share one Redis; what one seals (task ids, spend confirmations) another must open.
  if (e.REDIS_URL && !e.TASKS_SECRET) {
    throw new ConfigError(
      'TASKS_SECRET: expected a secret shared by every machine (openssl rand -base64 32) when REDIS_URL is set: a task or a spend confirmation sealed on one machine must open on the others',
    );
  }
  if (e.REQUEST_TIMEOUT_MS < e.HEADERS_TIMEOUT_MS) {
    throw new ConfigError(
      `REQUEST_TIMEOUT_MS: expected at least HEADERS_TIMEOUT_MS (${e.HEADERS_TIMEOUT_MS}): a request's headers are part of it`,
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    auth: authPosture(e.FAL_KEY, e.MCP_AUTH_TOKENS ?? [], e.INSECURE_ALLOW_SHARED_KEY_WITHOUT_AUTH),
    falApiUrl: e.FAL_API_URL,
    falQueueUrl: e.FAL_QUEUE_URL,
    falStorageUrl: e.FAL_STORAGE_URL,
    modelCacheTtlSeconds: e.MODEL_CACHE_TTL_SECONDS,
    allowedOrigins: e.ALLOWED_ORIGINS ?? [],
    /** FAL_MEDIA_ORIGINS: what the media view may load media from (its CSP resourceDomains). */
    mediaOrigins: e.FAL_MEDIA_ORIGINS ?? mediaOriginsFor(e.FAL_STORAGE_URL),
    allowedHosts: e.ALLOWED_HOSTS ?? [],
    logLevel: e.LOG_LEVEL,
    maxBodyBytes: e.MAX_BODY_BYTES,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    /** Retries of idempotent upstream calls on 429/5xx (submits retry on 429 only). */
    upstreamRetries: e.UPSTREAM_RETRIES,
    warmCatalogue: e.WARM_CATALOGUE,
    defaultWaitSeconds: Math.min(e.DEFAULT_WAIT_SECONDS, e.MAX_WAIT_SECONDS),
    maxWaitSeconds: e.MAX_WAIT_SECONDS,
    maxCostPerCallUsd: e.MAX_COST_PER_CALL_USD,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    fetchTimeoutMs: e.FETCH_TIMEOUT_MS,
    /** host:port pairs upload_file may fetch from despite being private (development and tests only). */
    fetchAllowHosts: e.FETCH_ALLOW_HOSTS ?? [],
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitBurst: e.RATE_LIMIT_BURST,
    /** Every request also draws on its client address's bucket (fresh keys are not fresh budgets). */
    rateLimitIpPerMinute: e.RATE_LIMIT_IP_PER_MINUTE ?? e.RATE_LIMIT_PER_MINUTE,
    rateLimitIpBurst: e.RATE_LIMIT_IP_BURST ?? e.RATE_LIMIT_BURST,
    maxConcurrentJobsPerTenant: e.MAX_CONCURRENT_JOBS_PER_TENANT,
    /** Which header names the client IP (for anonymous rate limits); only behind a trusted proxy. */
    trustProxy: e.TRUST_PROXY,
    /** With x-forwarded-for: how many proxies in front append to it (the client is that many from the right). */
    trustProxyHops: e.TRUST_PROXY_HOPS,
    breakerFailureThreshold: e.BREAKER_FAILURE_THRESHOLD,
    breakerCooldownMs: e.BREAKER_COOLDOWN_MS,
    /** Distinct tenants whose failures it takes to open a route's circuit for everyone. */
    breakerQuorum: e.BREAKER_QUORUM,
    /** Largest answer read from fal; larger ones end the call with a pointer to fetch it directly. */
    maxUpstreamResponseBytes: e.MAX_UPSTREAM_RESPONSE_BYTES,
    /** fal's webhook signing keys (the receiver is on when PUBLIC_URL is set). */
    falWebhookJwksUrl: e.FAL_WEBHOOK_JWKS_URL,
    drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
    /** A client must send its headers within this, and its whole request within requestTimeoutMs. */
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    /** Largest model input (JSON) a run accepts. */
    maxInputBytes: e.MAX_INPUT_BYTES,
    /** /metrics: off, open, or behind a bearer token. */
    metrics: metricsConfig(e.METRICS_ENABLED, e.METRICS_TOKEN),
    /** The URL clients reach this server at (needed behind a proxy; OAuth issuer and resource). */
    publicUrl: e.PUBLIC_URL,
    /** Sign-in for URL-only clients; off unless OAUTH_SECRET is set. */
    oauth: oauthConfig(e.OAUTH_SECRET, e.PUBLIC_URL, e.HOST, e),
    /** Seals MCP task ids (TASKS_SECRET); empty: a secret made per process (one machine only). */
    tasksSecrets: (e.TASKS_SECRET ?? []).map((s) => new Secret(s)),
    /** CONFIRM_COST_ABOVE_USD: a run estimated above it asks the user first (where the client can). */
    confirmCostAboveUsd: e.CONFIRM_COST_ABOVE_USD,
    /** TENANT_DAILY_BUDGET_USD: the most each tenant's runs may be estimated at per UTC day. */
    tenantDailyBudgetUsd: e.TENANT_DAILY_BUDGET_USD,
    /** OpenTelemetry (OTEL_*): traces over OTLP/HTTP when an endpoint is set. */
    tracing: {
      endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT,
      protocol: e.OTEL_EXPORTER_OTLP_PROTOCOL,
      serviceName: e.OTEL_SERVICE_NAME,
      sampler: e.OTEL_TRACES_SAMPLER,
      samplerArg: e.OTEL_TRACES_SAMPLER_ARG,
    },
    /** FAL_STORE_PAYLOADS, FAL_MEDIA_EXPIRATION_SECONDS: what fal keeps of a run unless the caller says. */
    privacy: { storePayload: e.FAL_STORE_PAYLOADS, expirationSeconds: e.FAL_MEDIA_EXPIRATION_SECONDS },
    /** Shared state for several machines (docs/scaling.md); unset: this process's memory. */
    redis: e.REDIS_URL ? { url: new Secret(e.REDIS_URL), keyPrefix: e.REDIS_KEY_PREFIX } : undefined,
  };
}

function metricsConfig(
  enabled: boolean,
  token: string | undefined,
): { enabled: false } | { enabled: true; token: Secret | undefined } {
  return enabled || token
    ? { enabled: true, token: token ? new Secret(token) : undefined }
    : { enabled: false };
}

function oauthConfig(
  secrets: string[] | undefined,
  publicUrl: string | undefined,
  host: string,
  e: { OAUTH_ACCESS_TOKEN_TTL_SECONDS: number; OAUTH_REFRESH_TOKEN_TTL_SECONDS: number },
): OAuthConfig {
  if (!secrets) return { enabled: false };
  // Tokens are bound to the server's URL; off loopback the request's Host cannot be trusted to say it.
  if (!publicUrl && !isLoopbackHost(host)) {
    throw new ConfigError(
      'PUBLIC_URL: expected the public base URL of this server (e.g. https://fal-mcp.fly.dev) when OAUTH_SECRET is set and HOST is not loopback',
    );
  }
  return {
    enabled: true,
    secrets: secrets.map((s) => new Secret(s)),
    accessTokenSeconds: e.OAUTH_ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenSeconds: e.OAUTH_REFRESH_TOKEN_TTL_SECONDS,
  };
}

function authPosture(falKey: string | undefined, tokens: string[], insecureOptOut: boolean): AuthPosture {
  if (!falKey) {
    if (tokens.length > 0) {
      throw new ConfigError(
        'MCP_AUTH_TOKENS: only used with FAL_KEY (shared-key mode); set FAL_KEY or unset it',
      );
    }
    return { kind: 'caller-key' };
  }
  const operatorKey = new Secret(falKey);
  if (tokens.length > 0) {
    return { kind: 'shared-key', operatorKey, accessTokens: tokens.map((t) => new Secret(t)) };
  }
  if (insecureOptOut) return { kind: 'open-shared-key', operatorKey };
  throw new ConfigError(
    'MCP_AUTH_TOKENS: expected at least one access token when FAL_KEY is set, so strangers cannot spend your key ' +
      '(or set INSECURE_ALLOW_SHARED_KEY_WITHOUT_AUTH=true to accept that risk)',
  );
}

/** fal's CDN, and a storage that is not fal's own (the demo's emulator serves its files there too). */
function mediaOriginsFor(storageUrl: string): string[] {
  const fal = ['https://fal.media', 'https://*.fal.media'];
  const storage = new URL(storageUrl);
  return storage.hostname === 'fal.ai' || storage.hostname.endsWith('.fal.ai')
    ? fal
    : [...fal, storage.origin];
}

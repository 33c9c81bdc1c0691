import * as v from 'valibot';
import { Secret } from './auth/secret.js';

/** Thrown for a bad environment: one line naming the variable and what it expects. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const intIn = (min: number, max: number, expects: string) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^\d+$/, expects),
    v.transform(Number),
    v.number(),
    v.minValue(min, expects),
    v.maxValue(max, expects),
  );

const httpUrl = (expects: string) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.url(expects),
    v.check((s) => /^https?:\/\//.test(s), expects),
    v.transform((s) => s.replace(/\/+$/, '')),
  );

const bool = (expects: string) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.toLowerCase(),
    v.picklist(['true', 'false', '1', '0', 'yes', 'no'], expects),
    v.transform((s) => s === 'true' || s === '1' || s === 'yes'),
  );

const list = v.pipe(
  v.string(),
  v.transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  ),
);

const nonEmpty = (expects: string) => v.pipe(v.string(), v.trim(), v.minLength(1, expects));

/** Every variable the server reads, with its default and what a valid value looks like. */
const EnvSchema = v.object({
  PORT: v.optional(intIn(0, 65535, 'a port number from 0 to 65535'), '8080'),
  HOST: v.optional(nonEmpty('a listen address such as 127.0.0.1 or 0.0.0.0'), '127.0.0.1'),
  FAL_KEY: v.optional(nonEmpty('a fal key (key-id:key-secret)')),
  MCP_AUTH_TOKENS: v.optional(list),
  INSECURE_ALLOW_SHARED_KEY_WITHOUT_AUTH: v.optional(bool('true or false'), 'false'),
  FAL_API_URL: v.optional(httpUrl('an http(s) URL such as https://api.fal.ai/v1'), 'https://api.fal.ai/v1'),
  FAL_QUEUE_URL: v.optional(httpUrl('an http(s) URL such as https://queue.fal.run'), 'https://queue.fal.run'),
  FAL_STORAGE_URL: v.optional(httpUrl('an http(s) URL such as https://rest.fal.ai'), 'https://rest.fal.ai'),
  MODEL_CACHE_TTL_SECONDS: v.optional(intIn(1, 7 * 24 * 3600, 'whole seconds from 1 to 604800'), '3600'),
  ALLOWED_ORIGINS: v.optional(list),
  ALLOWED_HOSTS: v.optional(list),
  LOG_LEVEL: v.optional(
    v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(LOG_LEVELS, `one of ${LOG_LEVELS.join(', ')}`)),
    'info',
  ),
  MAX_BODY_BYTES: v.optional(intIn(1024, 64 * 1024 * 1024, 'bytes from 1024 to 67108864'), '4194304'),
  UPSTREAM_TIMEOUT_MS: v.optional(intIn(100, 300_000, 'milliseconds from 100 to 300000'), '30000'),
  UPSTREAM_RETRIES: v.optional(intIn(0, 10, 'a number of retries from 0 to 10'), '2'),
  WARM_CATALOGUE: v.optional(bool('true or false'), 'true'),
  DEFAULT_WAIT_SECONDS: v.optional(intIn(0, 300, 'whole seconds from 0 to 300'), '20'),
  MAX_WAIT_SECONDS: v.optional(intIn(0, 300, 'whole seconds from 0 to 300'), '50'),
  MAX_COST_PER_CALL_USD: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.regex(/^\d+(\.\d+)?$/, 'a dollar amount such as 0.50'),
      v.transform(Number),
    ),
  ),
  UPLOAD_MAX_BYTES: v.optional(intIn(1024, 1024 * 1024 * 1024, 'bytes from 1024 to 1073741824'), '52428800'),
  FETCH_TIMEOUT_MS: v.optional(intIn(100, 300_000, 'milliseconds from 100 to 300000'), '30000'),
  FETCH_ALLOW_HOSTS: v.optional(list),
  RATE_LIMIT_PER_MINUTE: v.optional(intIn(0, 1_000_000, 'requests per minute (0 turns limiting off)'), '600'),
  RATE_LIMIT_BURST: v.optional(intIn(1, 1_000_000, 'a number of requests'), '120'),
  MAX_CONCURRENT_JOBS_PER_TENANT: v.optional(intIn(1, 10_000, 'a number of jobs'), '10'),
  TRUST_PROXY: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.toLowerCase(),
      v.picklist(['none', 'fly', 'x-forwarded-for'], 'none, fly or x-forwarded-for'),
    ),
    'none',
  ),
  BREAKER_FAILURE_THRESHOLD: v.optional(intIn(1, 1000, 'a number of consecutive failures'), '5'),
  BREAKER_COOLDOWN_MS: v.optional(intIn(100, 600_000, 'milliseconds from 100 to 600000'), '10000'),
  BREAKER_QUORUM: v.optional(intIn(1, 1000, 'a number of distinct callers'), '3'),
  MAX_UPSTREAM_RESPONSE_BYTES: v.optional(
    intIn(64 * 1024, 1024 * 1024 * 1024, 'bytes from 65536 to 1073741824'),
    String(16 * 1024 * 1024),
  ),
  FAL_WEBHOOK_JWKS_URL: v.optional(
    httpUrl('an http(s) URL of a JWKS such as https://rest.alpha.fal.ai/.well-known/jwks.json'),
    'https://rest.alpha.fal.ai/.well-known/jwks.json',
  ),
  DRAIN_TIMEOUT_MS: v.optional(intIn(0, 600_000, 'milliseconds from 0 to 600000'), '25000'),
  METRICS_ENABLED: v.optional(bool('true or false'), 'false'),
  METRICS_TOKEN: v.optional(nonEmpty('a token for Authorization: Bearer on /metrics')),
  MAX_INPUT_BYTES: v.optional(intIn(1024, 64 * 1024 * 1024, 'bytes from 1024 to 67108864'), '262144'),
  PUBLIC_URL: v.optional(httpUrl('the public base URL of this server, such as https://fal-mcp.fly.dev')),
  OAUTH_SECRET: v.optional(
    v.pipe(
      list,
      v.minLength(1, 'one or more comma-separated secrets of at least 32 characters'),
      v.check(
        (secrets) => secrets.every((s) => s.length >= 32),
        'secrets of at least 32 characters each (e.g. openssl rand -base64 32)',
      ),
    ),
  ),
  OAUTH_ACCESS_TOKEN_TTL_SECONDS: v.optional(intIn(60, 86_400, 'whole seconds from 60 to 86400'), '3600'),
  OAUTH_REFRESH_TOKEN_TTL_SECONDS: v.optional(
    intIn(300, 365 * 86_400, 'whole seconds from 300 to 31536000'),
    String(30 * 86_400),
  ),
  REDIS_URL: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.url('a redis:// or rediss:// URL such as rediss://default:password@host:6379'),
      v.regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL such as rediss://default:password@host:6379'),
    ),
  ),
  REDIS_KEY_PREFIX: v.optional(
    v.pipe(v.string(), v.regex(/^[\w:.-]{1,64}$/, 'up to 64 letters, digits, _ . - or :')),
    'fal-mcp:',
  ),
});

export type AuthPosture =
  /** No operator key: every caller brings their own. */
  | { kind: 'caller-key' }
  /** Operator key, callers authenticate with one of the access tokens. */
  | { kind: 'shared-key'; operatorKey: Secret; accessTokens: readonly Secret[] }
  /** Operator key with no access control: the operator explicitly accepted the risk. */
  | { kind: 'open-shared-key'; operatorKey: Secret };

export interface Config {
  port: number;
  host: string;
  auth: AuthPosture;
  falApiUrl: string;
  falQueueUrl: string;
  falStorageUrl: string;
  modelCacheTtlSeconds: number;
  allowedOrigins: readonly string[];
  allowedHosts: readonly string[];
  logLevel: LogLevel;
  maxBodyBytes: number;
  upstreamTimeoutMs: number;
  /** Retries of idempotent upstream calls on 429/5xx (submits retry on 429 only). */
  upstreamRetries: number;
  warmCatalogue: boolean;
  defaultWaitSeconds: number;
  maxWaitSeconds: number;
  maxCostPerCallUsd: number | undefined;
  uploadMaxBytes: number;
  fetchTimeoutMs: number;
  /** host:port pairs upload_file may fetch from despite being private (development and tests only). */
  fetchAllowHosts: readonly string[];
  rateLimitPerMinute: number;
  rateLimitBurst: number;
  maxConcurrentJobsPerTenant: number;
  /** Which header names the client IP (for anonymous rate limits); only behind a trusted proxy. */
  trustProxy: 'none' | 'fly' | 'x-forwarded-for';
  breakerFailureThreshold: number;
  breakerCooldownMs: number;
  /** Distinct tenants whose failures it takes to open a route's circuit for everyone. */
  breakerQuorum: number;
  /** Largest answer read from fal; larger ones end the call with a pointer to fetch it directly. */
  maxUpstreamResponseBytes: number;
  /** fal's webhook signing keys (the receiver is on when PUBLIC_URL is set). */
  falWebhookJwksUrl: string;
  drainTimeoutMs: number;
  /** Largest model input (JSON) a run accepts. */
  maxInputBytes: number;
  /** /metrics: off, open, or behind a bearer token. */
  metrics: { enabled: false } | { enabled: true; token: Secret | undefined };
  /** The URL clients reach this server at (needed behind a proxy; OAuth issuer and resource). */
  publicUrl: string | undefined;
  /** Sign-in for URL-only clients; off unless OAUTH_SECRET is set. */
  oauth: OAuthConfig;
  /** Shared state for several machines (docs/scaling.md); unset: this process's memory. */
  redis: { url: Secret; keyPrefix: string } | undefined;
}

export type OAuthConfig =
  | { enabled: false }
  | { enabled: true; secrets: readonly Secret[]; accessTokenSeconds: number; refreshTokenSeconds: number };

/** Parse the environment once. Throws ConfigError with a single readable line. */
export function loadConfig(env: Record<string, string | undefined>): Config {
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
  return {
    port: e.PORT,
    host: e.HOST,
    auth: authPosture(e.FAL_KEY, e.MCP_AUTH_TOKENS ?? [], e.INSECURE_ALLOW_SHARED_KEY_WITHOUT_AUTH),
    falApiUrl: e.FAL_API_URL,
    falQueueUrl: e.FAL_QUEUE_URL,
    falStorageUrl: e.FAL_STORAGE_URL,
    modelCacheTtlSeconds: e.MODEL_CACHE_TTL_SECONDS,
    allowedOrigins: e.ALLOWED_ORIGINS ?? [],
    allowedHosts: e.ALLOWED_HOSTS ?? [],
    logLevel: e.LOG_LEVEL,
    maxBodyBytes: e.MAX_BODY_BYTES,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_MS,
    upstreamRetries: e.UPSTREAM_RETRIES,
    warmCatalogue: e.WARM_CATALOGUE,
    defaultWaitSeconds: Math.min(e.DEFAULT_WAIT_SECONDS, e.MAX_WAIT_SECONDS),
    maxWaitSeconds: e.MAX_WAIT_SECONDS,
    maxCostPerCallUsd: e.MAX_COST_PER_CALL_USD,
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    fetchTimeoutMs: e.FETCH_TIMEOUT_MS,
    fetchAllowHosts: e.FETCH_ALLOW_HOSTS ?? [],
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    rateLimitBurst: e.RATE_LIMIT_BURST,
    maxConcurrentJobsPerTenant: e.MAX_CONCURRENT_JOBS_PER_TENANT,
    trustProxy: e.TRUST_PROXY,
    breakerFailureThreshold: e.BREAKER_FAILURE_THRESHOLD,
    breakerCooldownMs: e.BREAKER_COOLDOWN_MS,
    breakerQuorum: e.BREAKER_QUORUM,
    maxUpstreamResponseBytes: e.MAX_UPSTREAM_RESPONSE_BYTES,
    falWebhookJwksUrl: e.FAL_WEBHOOK_JWKS_URL,
    drainTimeoutMs: e.DRAIN_TIMEOUT_MS,
    maxInputBytes: e.MAX_INPUT_BYTES,
    metrics:
      e.METRICS_ENABLED || e.METRICS_TOKEN
        ? { enabled: true, token: e.METRICS_TOKEN ? new Secret(e.METRICS_TOKEN) : undefined }
        : { enabled: false },
    publicUrl: e.PUBLIC_URL,
    oauth: oauthConfig(e.OAUTH_SECRET, e.PUBLIC_URL, e.HOST, e),
    redis: e.REDIS_URL ? { url: new Secret(e.REDIS_URL), keyPrefix: e.REDIS_KEY_PREFIX } : undefined,
  };
}

function oauthConfig(
  secrets: string[] | undefined,
  publicUrl: string | undefined,
  host: string,
  e: { OAUTH_ACCESS_TOKEN_TTL_SECONDS: number; OAUTH_REFRESH_TOKEN_TTL_SECONDS: number },
): OAuthConfig {
  if (!secrets) return { enabled: false };
  // Tokens are bound to the server's URL; off loopback the request's Host cannot be trusted to say it.
  if (!publicUrl && !['127.0.0.1', 'localhost', '::1'].includes(host)) {
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

import * as v from 'valibot';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A whole number within bounds; the message states them, so they are written once. */
const intIn = (min: number, max: number, unit: string, note?: string) => {
  const expects = `${unit} from ${min} to ${max}${note ? ` (${note})` : ''}`;
  return v.pipe(
    v.string(),
    v.trim(),
    v.regex(/^\d+$/, expects),
    v.transform(Number),
    v.number(),
    v.minValue(min, expects),
    v.maxValue(max, expects),
  );
};

const httpUrl = (expects: string) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.url(expects),
    v.check((s) => /^https?:\/\//.test(s), expects),
    v.transform((s) => s.replace(/\/+$/, '')),
  );

/** fal's CDN lifetimes: a minute (its "immediate") to a year, as its client offers them. */
export const MIN_EXPIRATION_SECONDS = 60;
export const MAX_EXPIRATION_SECONDS = 365 * 24 * 3600;

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

/** Host names (and host:port), as a browser sends them in Host: no scheme, no path. */
const hostList = v.pipe(
  list,
  v.check(
    (values) =>
      values.every((h) => /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i.test(h)),
    'host names such as mcp.example.com or mcp.example.com:8443, without a scheme or path',
  ),
);

/** Origins as browsers send them (scheme://host[:port], nothing after), or *. */
const originList = v.pipe(
  list,
  v.check(
    (values) => values.every((o) => o === '*' || isOrigin(o)),
    'origins such as https://app.example.com (scheme and host, no path), or *',
  ),
);

/** Where media may load from in the view: origins, or a wildcard host under https (https://*.fal.media). */
const mediaOriginList = v.pipe(
  list,
  v.check(
    (values) => values.every((o) => isOrigin(o) || /^https:\/\/\*\.[a-z0-9.-]+$/i.test(o)),
    'origins such as https://cdn.example.com or https://*.example.com (scheme and host, no path)',
  ),
);

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value.replace(/\/$/, '');
  } catch {
    return false;
  }
}

const nonEmpty = (expects: string) => v.pipe(v.string(), v.trim(), v.minLength(1, expects));

/** Comma-separated sealing secrets: the first seals, all open (so they rotate). */
const secrets = v.pipe(
  list,
  v.minLength(1, 'one or more comma-separated secrets of at least 32 characters'),
  v.check(
    (values) => values.every((s) => s.length >= 32),
    'secrets of at least 32 characters each (e.g. openssl rand -base64 32)',
  ),
);

const dollars = v.pipe(
  v.string(),
  v.trim(),
  v.regex(/^\d+(\.\d+)?$/, 'a dollar amount such as 0.50'),
  v.transform(Number),
);

/** Every variable the server reads, with its default and what a valid value looks like. */
export const EnvSchema = v.object({
  PORT: v.optional(intIn(0, 65535, 'a port number'), '8080'),
  HOST: v.optional(nonEmpty('a listen address such as 127.0.0.1 or 0.0.0.0'), '127.0.0.1'),
  FAL_KEY: v.optional(nonEmpty('a fal key (key-id:key-secret)')),
  MCP_AUTH_TOKENS: v.optional(
    v.pipe(
      list,
      v.check(
        (tokens) => tokens.every((t) => t.length >= 32),
        'access tokens of at least 32 characters each; generate one with: openssl rand -base64 32',
      ),
    ),
  ),
  INSECURE_ALLOW_SHARED_KEY_WITHOUT_AUTH: v.optional(bool('true or false'), 'false'),
  FAL_API_URL: v.optional(httpUrl('an http(s) URL such as https://api.fal.ai/v1'), 'https://api.fal.ai/v1'),
  FAL_QUEUE_URL: v.optional(httpUrl('an http(s) URL such as https://queue.fal.run'), 'https://queue.fal.run'),
  FAL_STORAGE_URL: v.optional(httpUrl('an http(s) URL such as https://rest.fal.ai'), 'https://rest.fal.ai'),
  MODEL_CACHE_TTL_SECONDS: v.optional(intIn(1, 7 * 24 * 3600, 'whole seconds'), '3600'),
  ALLOWED_ORIGINS: v.optional(originList),
  FAL_MEDIA_ORIGINS: v.optional(mediaOriginList),
  ALLOWED_HOSTS: v.optional(hostList),
  LOG_LEVEL: v.optional(
    v.pipe(v.string(), v.trim(), v.toLowerCase(), v.picklist(LOG_LEVELS, `one of ${LOG_LEVELS.join(', ')}`)),
    'info',
  ),
  MAX_BODY_BYTES: v.optional(intIn(1024, 64 * 1024 * 1024, 'bytes'), '4194304'),
  UPSTREAM_TIMEOUT_MS: v.optional(intIn(100, 300_000, 'milliseconds'), '30000'),
  UPSTREAM_RETRIES: v.optional(intIn(0, 10, 'a number of retries'), '2'),
  WARM_CATALOGUE: v.optional(bool('true or false'), 'true'),
  DEFAULT_WAIT_SECONDS: v.optional(intIn(0, 300, 'whole seconds'), '20'),
  MAX_WAIT_SECONDS: v.optional(intIn(0, 300, 'whole seconds'), '50'),
  MAX_COST_PER_CALL_USD: v.optional(dollars),
  CONFIRM_COST_ABOVE_USD: v.optional(dollars),
  TENANT_DAILY_BUDGET_USD: v.optional(dollars),
  FAL_STORE_PAYLOADS: v.optional(bool('true or false'), 'true'),
  FAL_MEDIA_EXPIRATION_SECONDS: v.optional(
    intIn(MIN_EXPIRATION_SECONDS, MAX_EXPIRATION_SECONDS, 'seconds', 'a year at most'),
  ),
  UPLOAD_MAX_BYTES: v.optional(intIn(1024, 1024 * 1024 * 1024, 'bytes'), '52428800'),
  FETCH_TIMEOUT_MS: v.optional(intIn(100, 300_000, 'milliseconds'), '30000'),
  FETCH_ALLOW_HOSTS: v.optional(list),
  RATE_LIMIT_PER_MINUTE: v.optional(
    intIn(0, 1_000_000, 'requests per minute', '0 turns limiting off'),
    '600',
  ),
  RATE_LIMIT_BURST: v.optional(intIn(1, 1_000_000, 'a number of requests'), '120'),
  RATE_LIMIT_IP_PER_MINUTE: v.optional(intIn(1, 1_000_000, 'requests per minute from one client address')),
  RATE_LIMIT_IP_BURST: v.optional(intIn(1, 1_000_000, 'a number of requests')),
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
  TRUST_PROXY_HOPS: v.optional(intIn(1, 10, 'the number of trusted proxies in front'), '1'),
  BREAKER_FAILURE_THRESHOLD: v.optional(intIn(1, 1000, 'a number of consecutive failures'), '5'),
  BREAKER_COOLDOWN_MS: v.optional(intIn(100, 600_000, 'milliseconds'), '10000'),
  BREAKER_QUORUM: v.optional(intIn(1, 1000, 'a number of distinct callers'), '3'),
  MAX_UPSTREAM_RESPONSE_BYTES: v.optional(
    intIn(64 * 1024, 1024 * 1024 * 1024, 'bytes'),
    String(16 * 1024 * 1024),
  ),
  FAL_WEBHOOK_JWKS_URL: v.optional(
    httpUrl('an http(s) URL of a JWKS such as https://rest.alpha.fal.ai/.well-known/jwks.json'),
    'https://rest.alpha.fal.ai/.well-known/jwks.json',
  ),
  DRAIN_TIMEOUT_MS: v.optional(intIn(0, 600_000, 'milliseconds'), '25000'),
  HEADERS_TIMEOUT_MS: v.optional(intIn(1000, 120_000, 'milliseconds'), '10000'),
  REQUEST_TIMEOUT_MS: v.optional(intIn(1000, 600_000, 'milliseconds'), '30000'),
  METRICS_ENABLED: v.optional(bool('true or false'), 'false'),
  METRICS_TOKEN: v.optional(nonEmpty('a token for Authorization: Bearer on /metrics')),
  MAX_INPUT_BYTES: v.optional(intIn(1024, 64 * 1024 * 1024, 'bytes'), '262144'),
  PUBLIC_URL: v.optional(httpUrl('the public base URL of this server, such as https://fal-mcp.fly.dev')),
  OAUTH_SECRET: v.optional(secrets),
  TASKS_SECRET: v.optional(secrets),
  OAUTH_ACCESS_TOKEN_TTL_SECONDS: v.optional(intIn(60, 86_400, 'whole seconds'), '3600'),
  OAUTH_REFRESH_TOKEN_TTL_SECONDS: v.optional(intIn(300, 365 * 86_400, 'whole seconds'), String(30 * 86_400)),
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
  // OpenTelemetry's standard variables (traces over OTLP/HTTP); tracing is on only with an endpoint.
  OTEL_EXPORTER_OTLP_ENDPOINT: v.optional(httpUrl('an http(s) URL such as http://otel-collector:4318')),
  OTEL_EXPORTER_OTLP_PROTOCOL: v.optional(
    v.picklist(['http/protobuf', 'http/json'], 'http/protobuf or http/json (OTLP over HTTP)'),
    'http/protobuf',
  ),
  OTEL_SERVICE_NAME: v.optional(
    v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100)),
    'fal-mcp-server',
  ),
  OTEL_TRACES_SAMPLER: v.optional(
    v.picklist(
      [
        'always_on',
        'always_off',
        'traceidratio',
        'parentbased_always_on',
        'parentbased_always_off',
        'parentbased_traceidratio',
      ],
      'one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio',
    ),
    'parentbased_always_on',
  ),
  OTEL_TRACES_SAMPLER_ARG: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'a sampling ratio from 0 to 1 such as 0.01'),
      v.transform(Number),
    ),
    '1',
  ),
});

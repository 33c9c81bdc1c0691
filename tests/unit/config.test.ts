import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { EnvSchema } from '../../src/config-schema.js';

/** Every whole-number variable with its bounds, read from the schema itself. */
const BOUNDED = Object.entries(EnvSchema.entries).flatMap(([name, schema]) => {
  const pipe = ((schema as { wrapped?: { pipe?: unknown[] } }).wrapped?.pipe ?? []) as {
    type?: string;
    requirement?: unknown;
  }[];
  const min = pipe.find((a) => a.type === 'min_value')?.requirement;
  const max = pipe.find((a) => a.type === 'max_value')?.requirement;
  return typeof min === 'number' && typeof max === 'number' ? [[name, min, max] as const] : [];
});

describe('configuration', () => {
  it.each(BOUNDED)('%s: a value past its bounds (%i to %i) is refused, naming them', (name, min, max) => {
    for (const value of [max + 1, ...(min > 0 ? [min - 1] : [])]) {
      expect(() => loadConfig({ [name]: String(value) })).toThrow(
        new RegExp(`^${name}: expected .*from ${min} to ${max}`),
      );
    }
    // (A request deadline as long as allowed, so a headers deadline at its own maximum fits inside it.)
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '600000', [name]: String(max) })).not.toThrow(ConfigError);
  });

  it('finds the bounded variables to check', () => {
    expect(BOUNDED.length).toBeGreaterThan(20);
  });

  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      falApiUrl: 'https://api.fal.ai/v1',
      falQueueUrl: 'https://queue.fal.run',
      falStorageUrl: 'https://rest.fal.ai',
      modelCacheTtlSeconds: 3600,
      logLevel: 'info',
      auth: { kind: 'caller-key' },
    });
  });

  it("lets the media view load fal's CDN, the demo storage's origin, or what FAL_MEDIA_ORIGINS says", () => {
    expect(loadConfig({}).mediaOrigins).toEqual(['https://fal.media', 'https://*.fal.media']);
    expect(loadConfig({ FAL_STORAGE_URL: 'http://127.0.0.1:8790/storage-api' }).mediaOrigins).toEqual([
      'https://fal.media',
      'https://*.fal.media',
      'http://127.0.0.1:8790',
    ]);
    expect(
      loadConfig({ FAL_MEDIA_ORIGINS: 'https://cdn.example.com,https://*.media.example.com' }).mediaOrigins,
    ).toEqual(['https://cdn.example.com', 'https://*.media.example.com']);
  });

  it.each([
    [{ PORT: 'eighty' }, /^PORT: expected a port number/],
    [{ PORT: '70000' }, /^PORT: /],
    [{ FAL_API_URL: 'ftp://x' }, /^FAL_API_URL: expected an http\(s\) URL/],
    [{ MODEL_CACHE_TTL_SECONDS: '-5' }, /^MODEL_CACHE_TTL_SECONDS: /],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: expected one of debug, info/],
    [{ MCP_AUTH_TOKENS: `${'a'.repeat(32)},${'b'.repeat(32)}` }, /^MCP_AUTH_TOKENS: only used with FAL_KEY/],
    [
      { FAL_KEY: 'op-id:op-secret', MCP_AUTH_TOKENS: 't1,t2' },
      /^MCP_AUTH_TOKENS: expected access tokens of at least 32 characters each; generate one with: openssl rand -base64 32$/,
    ],
    [{ OAUTH_SECRET: 'too-short' }, /^OAUTH_SECRET: expected secrets of at least 32 characters/],
    [{ OAUTH_SECRET: 'x'.repeat(40), HOST: '0.0.0.0' }, /^PUBLIC_URL: expected the public base URL/],
    [{ OAUTH_ACCESS_TOKEN_TTL_SECONDS: '5' }, /^OAUTH_ACCESS_TOKEN_TTL_SECONDS: /],
    // A URL where a host name belongs started, then refused every request.
    [{ ALLOWED_HOSTS: 'https://mcp.example.com' }, /^ALLOWED_HOSTS: expected host names such as/],
    [{ ALLOWED_HOSTS: 'mcp.example.com/mcp' }, /^ALLOWED_HOSTS: expected host names such as/],
    [{ ALLOWED_ORIGINS: 'app.example.com' }, /^ALLOWED_ORIGINS: expected origins such as/],
    [{ ALLOWED_ORIGINS: 'https://app.example.com/path' }, /^ALLOWED_ORIGINS: expected origins such as/],
    [{ ALLOWED_ORIGINS: 'javascript:alert(1)' }, /^ALLOWED_ORIGINS: expected origins such as/],
    // Several machines: a task sealed on one must open on another, so the secret must be shared.
    [{ REDIS_URL: 'redis://127.0.0.1:6379' }, /^TASKS_SECRET: expected a secret shared by every machine/],
    [
      { FAL_MEDIA_EXPIRATION_SECONDS: '10' },
      /^FAL_MEDIA_EXPIRATION_SECONDS: expected seconds from 60 to 31536000/,
    ],
    [{ FAL_STORE_PAYLOADS: 'maybe' }, /^FAL_STORE_PAYLOADS: expected true or false/],
    [
      { FAL_MEDIA_ORIGINS: 'cdn.example.com' },
      /^FAL_MEDIA_ORIGINS: expected origins such as https:\/\/cdn\.example\.com/,
    ],
    [{ FAL_MEDIA_ORIGINS: 'https://cdn.example.com/files' }, /^FAL_MEDIA_ORIGINS: expected origins/],
    [{ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '15000' }, /^REQUEST_TIMEOUT_MS: expected at least/],
  ])('%o is refused with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('OAuth is off by default; OAUTH_SECRET turns it on with rotation-ready secrets', () => {
    expect(loadConfig({}).oauth).toEqual({ enabled: false });
    const c = loadConfig({
      OAUTH_SECRET: `${'n'.repeat(32)}, ${'o'.repeat(32)}`,
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://fal-mcp.example/',
    });
    expect(c.publicUrl).toBe('https://fal-mcp.example');
    expect(c.oauth).toMatchObject({
      enabled: true,
      accessTokenSeconds: 3600,
      refreshTokenSeconds: 2_592_000,
    });
    expect(c.oauth.enabled && c.oauth.secrets.length).toBe(2);
    expect(JSON.stringify(c)).not.toContain('n'.repeat(32));
  });

  it('never echoes a refused value', () => {
    expect(() => loadConfig({ PORT: 'secret-looking-value' })).not.toThrow(/secret-looking-value/);
  });

  it('parses lists and trims URLs', () => {
    const c = loadConfig({
      ALLOWED_ORIGINS: ' https://a.test , https://b.test ',
      FAL_API_URL: 'http://127.0.0.1:9/v1/',
    });
    expect(c.allowedOrigins).toEqual(['https://a.test', 'https://b.test']);
    expect(c.falApiUrl).toBe('http://127.0.0.1:9/v1');
  });

  it('the process exits non-zero on a bad value, with one line on stderr', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: 'not-a-port' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([
      'fal-mcp-server: invalid configuration: PORT: expected a port number from 0 to 65535',
    ]);
  });

  it('the process refuses FAL_KEY without access tokens', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, FAL_KEY: 'op-id:op-secret', MCP_AUTH_TOKENS: '' },
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/MCP_AUTH_TOKENS/);
    expect(run.stderr).not.toContain('op-secret');
  });
});

import { Redis, type Result } from 'ioredis';
import type { Secret } from '../lib/secret.js';
import type { Logger } from '../log.js';
import { type SharedStore, type StoreStatus, StoreUnavailableError } from './store.js';

// One token bucket, refilled and taken in one step on the server, on the server's
// clock: machines with skewed clocks still share one bucket fairly.
const TAKE_TOKEN = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3] or '1')
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(b[1])
local at = tonumber(b[2])
if tokens == nil or at == nil then tokens = burst; at = now end
tokens = math.min(burst, tokens + math.max(0, now - at) / 1000 * rate)
local wait = 0
if tokens >= cost then tokens = tokens - cost else wait = math.max(1, math.ceil((cost - tokens) / rate)) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait
`;

const DELETE_IF_EQUALS = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// A new counter gets its TTL; an existing one keeps it. Integers only (INCRBY), so no float drift.
const ADD_WITHIN = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if amount > 0 and current + amount > tonumber(ARGV[2]) then return {0, current} end
local total = redis.call('INCRBY', KEYS[1], amount)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, total}
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    falMcpAddWithin(
      key: string,
      amount: string,
      limit: string,
      ttlMs: string,
    ): Result<[number, number], Context>;
    falMcpTakeToken(key: string, rate: string, burst: string, cost: string): Result<number, Context>;
    falMcpDeleteIfEquals(key: string, value: string): Result<number, Context>;
  }
}

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL; a Secret because it usually carries a password. */
  url: Secret;
  /** Prepended to every key, so deployments can share one Redis. */
  keyPrefix: string;
  logger: Logger;
  /** A command slower than this fails (and the feature falls back) instead of holding a request. */
  commandTimeoutMs?: number;
}

/**
 * The shared store on Redis (ioredis). Commands are never queued while the
 * connection is down: they fail at once, so every feature can fall back
 * (docs/scaling.md) instead of holding requests; the client keeps reconnecting.
 */
export class RedisStore implements SharedStore {
  readonly kind = 'redis';
  readonly shared = true;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #logger: Logger;
  #state: StoreStatus['state'] = 'connecting';
  #lastError: string | undefined;

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.keyPrefix;
    this.#logger = options.logger;
    this.#redis = new Redis(options.url.reveal(), {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    this.#redis.defineCommand('falMcpTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
    this.#redis.defineCommand('falMcpDeleteIfEquals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS });
    this.#redis.defineCommand('falMcpAddWithin', { numberOfKeys: 1, lua: ADD_WITHIN });
    this.#redis.on('ready', () => this.#markOk());
    // ioredis reports every failed (re)connection here; without a listener it prints to stderr.
    this.#redis.on('error', (error: unknown) => this.#markDown(error));
    this.#redis.on('close', () => {
      if (this.#state === 'ok') this.#markDown(new Error('connection closed'));
    });
  }

  get(key: string): Promise<string | undefined> {
    return this.#run(async (r) => (await r.get(this.#prefix + key)) ?? undefined);
  }

  set(key: string, value: string, ttlMs: number): Promise<void> {
    return this.#run(async (r) => {
      await r.set(this.#prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)));
    });
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return this.#run(
      async (r) =>
        (await r.set(this.#prefix + key, value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX')) === 'OK',
    );
  }

  delete(key: string): Promise<void> {
    return this.#run(async (r) => {
      await r.del(this.#prefix + key);
    });
  }

  deleteIfEquals(key: string, value: string): Promise<boolean> {
    return this.#run(async (r) => (await r.falMcpDeleteIfEquals(this.#prefix + key, value)) === 1);
  }

  takeToken(key: string, ratePerSecond: number, burst: number, cost = 1): Promise<number> {
    return this.#run(async (r) =>
      Number(await r.falMcpTakeToken(this.#prefix + key, String(ratePerSecond), String(burst), String(cost))),
    );
  }

  pushCapped(key: string, value: string, maxItems: number, ttlMs: number): Promise<void> {
    const k = this.#prefix + key;
    return this.#run(async (r) => {
      const replies = await r
        .multi()
        .lpush(k, value)
        .ltrim(k, 0, Math.max(1, maxItems) - 1)
        .pexpire(k, Math.max(1, Math.ceil(ttlMs)))
        .exec();
      const failed = replies?.find(([error]) => error)?.[0];
      if (failed) throw failed;
    });
  }

  addWithin(key: string, amount: number, limit: number, ttlMs: number) {
    return this.#run(async (r) => {
      const [added, total] = await r.falMcpAddWithin(
        this.#prefix + key,
        String(Math.trunc(amount)),
        String(Math.trunc(limit)),
        String(Math.max(1, Math.ceil(ttlMs))),
      );
      return { added: added === 1, total: Number(total) };
    });
  }

  list(key: string): Promise<string[]> {
    return this.#run((r) => r.lrange(this.#prefix + key, 0, -1));
  }

  whenReady(timeoutMs: number): Promise<boolean> {
    if (this.#redis.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.#redis.off('ready', onReady);
        resolve(ok);
      };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#redis.on('ready', onReady);
    });
  }

  status(): StoreStatus {
    return { kind: 'redis', state: this.#state, lastError: this.#lastError };
  }

  async close(): Promise<void> {
    this.#redis.removeAllListeners('close');
    this.#redis.disconnect();
  }

  async #run<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      const value = await command(this.#redis);
      if (this.#state !== 'ok') this.#markOk();
      return value;
    } catch (error) {
      this.#markDown(error);
      throw new StoreUnavailableError(`the shared store (Redis) is unavailable: ${reasonOf(error)}`);
    }
  }

  #markOk(): void {
    if (this.#state === 'unreachable') this.#logger.info('shared store reachable again', { store: 'redis' });
    this.#state = 'ok';
    this.#lastError = undefined;
  }

  #markDown(error: unknown): void {
    const reason = reasonOf(error);
    // One line per outage, not one per failed command or reconnect attempt.
    if (this.#state !== 'unreachable') {
      this.#logger.warn('shared store unreachable; features fall back as documented', {
        store: 'redis',
        reason,
      });
    }
    this.#state = 'unreachable';
    this.#lastError = reason;
  }
}

/** The first line of the client's message: host and port at most, never the URL's password. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').slice(0, 200) || 'unknown error';
}

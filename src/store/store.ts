/**
 * The small amount of state that must be the same on every machine serving one
 * URL: idempotency keys, job records, rate-limit buckets, used authorization
 * codes and the catalogue snapshot. In memory by default; Redis with REDIS_URL.
 * Values are strings (callers serialise); every entry expires.
 */
export interface SharedStore {
  readonly kind: 'memory' | 'redis';
  /** True when other processes see what this one writes (so cross-machine protocols are worth running). */
  readonly shared: boolean;
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Write only when the key is absent; true when this call wrote it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Forget a key, whatever it holds. */
  delete(key: string): Promise<void>;
  /** Delete only while the key still holds `value` (releasing a claim or lock this process owns). */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  /**
   * Take `cost` tokens (default 1) from the bucket at `key` (refilled at
   * `ratePerSecond`, holding at most `burst`), atomically: all or none. Returns 0
   * when allowed, else whole seconds until that many tokens are there.
   */
  takeToken(key: string, ratePerSecond: number, burst: number, cost?: number): Promise<number>;
  /**
   * Put `value` at the front of the list at `key`, keep only its newest
   * `maxItems`, and make the list live `ttlMs` from now, atomically (a tenant's
   * job index, written by every machine).
   */
  pushCapped(key: string, value: string, maxItems: number, ttlMs: number): Promise<void>;
  /** The list at `key`, newest first; empty when there is none. */
  list(key: string): Promise<string[]>;
  /**
   * Add `amount` (an integer, may be negative) to the counter at `key` unless
   * that would take it above `limit`, atomically; a new counter lives `ttlMs`.
   * Returns whether it was added and the counter after (or as it stands).
   */
  addWithin(
    key: string,
    amount: number,
    limit: number,
    ttlMs: number,
  ): Promise<{ added: boolean; total: number }>;
  /** Resolves true once commands can be sent, false if that did not happen within `timeoutMs`. */
  whenReady(timeoutMs: number): Promise<boolean>;
  status(): StoreStatus;
  close(): Promise<void>;
}

export interface StoreStatus {
  kind: SharedStore['kind'];
  /** `unreachable` means commands are failing right now; every feature then falls back as docs/scaling.md says. */
  state: 'ok' | 'connecting' | 'unreachable';
  lastError: string | undefined;
}

/** A store command failed (connection down, timeout, server error). Never carries the store's URL. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

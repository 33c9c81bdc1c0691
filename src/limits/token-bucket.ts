/**
 * Token buckets per key, in memory, bounded: the least recently used buckets
 * are dropped first (a dropped bucket is simply full again, which errs on the
 * side of the caller).
 */
export class TokenBuckets {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Take one token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.burst, at: now };
    this.#buckets.delete(key);
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    let wait = 0;
    if (bucket.tokens >= 1) bucket.tokens -= 1;
    else wait = Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.maxKeys) {
      const oldest = this.#buckets.keys().next();
      if (!oldest.done) this.#buckets.delete(oldest.value);
    }
    return wait;
  }
}

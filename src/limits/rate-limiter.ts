import { MemoryStore } from '../store/memory-store.js';
import { type SharedStore, StoreUnavailableError } from '../store/store.js';

/**
 * Token buckets per key in the shared store, so a tenant's limit holds across
 * every machine. Fails open: while the store is unreachable, each machine
 * limits on its own buckets (a tenant may then get up to N× the limit across N
 * machines) rather than refusing every request.
 */
export class RateLimiter {
  readonly #local = new MemoryStore();

  constructor(
    private readonly store: SharedStore,
    readonly perMinute: number,
    private readonly burst: number,
  ) {}

  /** Take one request; 0 when allowed, else whole seconds until the next is. */
  async take(key: string): Promise<number> {
    const rate = this.perMinute / 60;
    try {
      return await this.store.takeToken(`rl:${key}`, rate, this.burst);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return this.#local.takeToken(key, rate, this.burst);
    }
  }
}

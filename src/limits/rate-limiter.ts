import { MemoryStore } from '../store/memory-store.js';
import { type SharedStore, StoreUnavailableError } from '../store/store.js';

/**
 * Token buckets per key in the shared store, so a limit holds across every
 * machine. Fails open: while the store is unreachable, each machine limits on
 * its own buckets (a caller may then get up to N× the limit across N machines)
 * rather than refusing every request.
 */
export class RateLimiter {
  readonly #local = new MemoryStore();

  constructor(
    private readonly store: SharedStore,
    readonly perMinute: number,
    readonly burst: number,
  ) {}

  /**
   * Take `cost` requests' worth (at most a whole burst: the heaviest request
   * empties the bucket rather than never fitting); 0 when allowed, else whole
   * seconds until it would be.
   */
  async take(key: string, weight = 1): Promise<number> {
    const rate = this.perMinute / 60;
    const cost = Math.min(weight, this.burst);
    try {
      return await this.store.takeToken(`rl:${key}`, rate, this.burst, cost);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return this.#local.takeToken(key, rate, this.burst, cost);
    }
  }
}

/** What a request costs: one token, and one more per 64 KiB of body, so bulk pays for its weight. */
export function requestCost(bodyBytes: number): number {
  return 1 + Math.floor(Math.max(0, bodyBytes) / (64 * 1024));
}

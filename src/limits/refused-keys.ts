import { LruTtlCache } from '../lib/lru.js';

/**
 * Keys fal refused (401) in the last few minutes, by tenant fingerprint (never the
 * key). A refused key is turned away here instead of being forwarded again:
 * forwarding a stream of junk keys would risk fal throttling this server's
 * address, for every tenant. Per machine; an entry lives 5 minutes (short, in case
 * fal itself refused keys by mistake for a while).
 */
export class RefusedKeys {
  readonly #seen = new LruTtlCache<string, true>(50_000, 5 * 60_000);

  add(tenant: string): void {
    this.#seen.set(tenant, true);
  }

  has(tenant: string): boolean {
    return this.#seen.get(tenant) === true;
  }
}

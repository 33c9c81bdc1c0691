import type { Caller } from '../auth/caller.js';
import type { FalClient } from '../fal/client.js';
import { fetchEstimate, fetchPricing } from '../fal/platform.js';
import { LruTtlCache } from '../lib/lru.js';

export interface Price {
  endpoint_id: string;
  unit_price: number;
  unit: string;
  currency: string;
}

const PRICE_TTL_MS = 10 * 60_000;

/**
 * Prices are cached per tenant, never shared: fal applies custom pricing and
 * discounts per account, so one caller's price is not another's. The cache key
 * is the tenant fingerprint, never the key itself. Only missing ids go upstream.
 */
export class PricingService {
  readonly #cache = new LruTtlCache<string, Price>(5_000, PRICE_TTL_MS);
  /** fal's own estimate of one typical call, per tenant and model. */
  readonly #typical = new LruTtlCache<string, number>(5_000, PRICE_TTL_MS);

  constructor(
    private readonly fal: FalClient,
    private readonly onLookup: (hit: boolean) => void = () => undefined,
  ) {}

  /** The caller's price of a model if it is cached, without asking fal. */
  cached(caller: Caller, endpointId: string): Price | undefined {
    return caller.key ? this.#cache.get(`${caller.tenant}\n${endpointId}`) : undefined;
  }

  /** fal's estimate of one call from typical past calls (USD), cached per tenant like prices. */
  async typicalCall(
    endpointId: string,
    caller: Caller & { key: NonNullable<Caller['key']> },
    signal?: AbortSignal,
  ): Promise<number> {
    const key = `${caller.tenant}\n${endpointId}`;
    const hit = this.#typical.get(key);
    if (hit !== undefined) return hit;
    const estimate = await fetchEstimate(
      this.fal,
      { estimate_type: 'historical_api_price', endpoints: { [endpointId]: { call_quantity: 1 } } },
      caller,
      signal,
    );
    this.#typical.set(key, estimate.total_cost);
    return estimate.total_cost;
  }

  async prices(
    endpointIds: readonly string[],
    caller: Caller & { key: NonNullable<Caller['key']> },
    signal?: AbortSignal,
  ) {
    const unique = [...new Set(endpointIds)];
    const found = new Map<string, Price>();
    const missing: string[] = [];
    for (const id of unique) {
      const hit = this.#cache.get(`${caller.tenant}\n${id}`);
      this.onLookup(hit !== undefined);
      if (hit) found.set(id, hit);
      else missing.push(id);
    }
    if (missing.length > 0) {
      const fresh = await fetchPricing(this.fal, missing, caller, signal);
      for (const p of fresh.prices) {
        const price = {
          endpoint_id: p.endpoint_id,
          unit_price: p.unit_price,
          unit: p.unit,
          currency: p.currency,
        };
        this.#cache.set(`${caller.tenant}\n${p.endpoint_id}`, price);
        found.set(p.endpoint_id, price);
      }
    }
    return unique.flatMap((id) => {
      const p = found.get(id);
      return p ? [p] : [];
    });
  }
}

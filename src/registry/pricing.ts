import type { Caller } from '../auth/caller.js';
import type { FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { fetchBilling, fetchEstimate, fetchPricing } from '../fal/platform.js';
import { LruTtlCache } from '../lib/lru.js';

export interface Price {
  endpoint_id: string;
  unit_price: number;
  unit: string;
  currency: string;
}

const PRICE_TTL_MS = 10 * 60_000;
/** Ids outside the catalogue priced one by one at most; more go to fal in one batch. */
const MAX_SEPARATE = 3;
/** A balance moves with every run: kept a minute, for the confirmations asked meanwhile. */
const BALANCE_TTL_MS = 60_000;

/** The account's credit balance, or why this key cannot read it. */
export type Balance = { readable: true; amount: number; currency: string } | { readable: false; why: string };

/**
 * Prices are cached per tenant, never shared: fal applies custom pricing and
 * discounts per account, so one caller's price is not another's. The cache key
 * is the tenant fingerprint, never the key itself. Only missing ids go upstream.
 */
export class PricingService {
  readonly #cache = new LruTtlCache<string, Price>(5_000, PRICE_TTL_MS);
  /** fal's own estimate of one typical call, per tenant and model. */
  readonly #typical = new LruTtlCache<string, number>(5_000, PRICE_TTL_MS);
  readonly #balances = new LruTtlCache<string, Balance>(5_000, BALANCE_TTL_MS);

  constructor(
    private readonly fal: FalClient,
    private readonly onLookup: (hit: boolean) => void = () => undefined,
  ) {}

  /** The caller's price of a model if it is cached, without asking fal. */
  cached(caller: Caller, endpointId: string): Price | undefined {
    return caller.key ? this.#cache.get(`${caller.tenant}\n${endpointId}`) : undefined;
  }

  /**
   * The account's credit balance (fal: admin keys only). A key fal refuses here is
   * not a bad key, only not an admin one: that is the answer, kept a minute too.
   */
  async balance(
    caller: Caller & { key: NonNullable<Caller['key']> },
    signal?: AbortSignal,
  ): Promise<Balance> {
    const hit = this.#balances.get(caller.tenant);
    if (hit) return hit;
    let balance: Balance;
    try {
      const billing = await fetchBilling(this.fal, caller, signal);
      balance = billing.credits
        ? { readable: true, amount: billing.credits.current_balance, currency: billing.credits.currency }
        : { readable: false, why: 'fal did not include the credits' };
    } catch (error) {
      if (!(error instanceof FalError) || error.kind !== 'auth') throw error;
      balance = {
        readable: false,
        why: 'fal lets only admin keys read the balance, and this key is not one',
      };
    }
    this.#balances.set(caller.tenant, balance);
    return balance;
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

  /**
   * Catalogue models in one batch. Ids the catalogue lacks (private apps?) are priced
   * apart, so one that fal does not know (a 404 for the whole batch) cannot sink the
   * others: one by one for a few, in one batch beyond that (a call must not turn into
   * 50 calls to fal). `unpriced`: the ids fal does not know.
   */
  async pricesApart(
    listed: readonly string[],
    unlisted: readonly string[],
    caller: Caller & { key: NonNullable<Caller['key']> },
    signal?: AbortSignal,
  ): Promise<{ found: Price[]; unpriced: string[] }> {
    const found = await this.prices(listed, caller, signal);
    const unpriced: string[] = [];
    const groups = unlisted.length <= MAX_SEPARATE ? unlisted.map((id) => [id]) : [unlisted];
    for (const ids of groups) {
      try {
        found.push(...(await this.prices(ids, caller, signal)));
      } catch (error) {
        if (!(error instanceof FalError) || error.kind !== 'not_found') throw error;
        unpriced.push(...ids);
      }
    }
    return { found, unpriced };
  }
}

import type { Caller } from '../auth/caller.js';
import { NICE_TO_HAVE_MS, settleWithin } from '../lib/deadline.js';
import type { Price, PricingService } from './pricing.js';

/** How a keyed caller wants a list narrowed and ordered by their own prices. */
export interface PriceQuery {
  maxUnitPriceUsd?: number | undefined;
  sort?: 'relevance' | 'price' | undefined;
}

/** fal's pricing API takes at most this many ids per call: one call prices a whole pool. */
export const PRICED_POOL = 50;

/** Words that ask for the cheap end of a kind. */
const CHEAP = /\b(cheap|cheaper|cheapest|budget|affordable|inexpensive|low[- ]cost)\b/i;

export function asksForCheap(text: string): boolean {
  return CHEAP.test(text);
}

const familyOf = (id: string) => id.split('/').slice(0, 2).join('/');

/**
 * A ranked pool of models with the caller's own prices (one batched call, cached
 * per tenant, never another tenant's): narrowed to `maxUnitPriceUsd`, ordered by
 * price when asked, cut to `limit`, and each model's place in its family (the
 * budget or premium choice) where the pool prices two or more of it in one unit.
 * Without a key, or when fal cannot price, the list is unchanged and a note says why.
 */
export async function pricePool<T extends { id: string }>(
  pricing: PricingService,
  caller: Caller,
  pool: readonly T[],
  query: PriceQuery & { limit: number },
  signal?: AbortSignal,
): Promise<{ items: (T & { price?: Price; family_role?: 'budget' | 'premium' })[]; notes: string[] }> {
  const wantsPrice = query.maxUnitPriceUsd !== undefined || query.sort === 'price';
  if (!caller.key) {
    const notes = wantsPrice ? ['Prices are per account: send your fal key to filter or sort by them.'] : [];
    return { items: pool.slice(0, query.limit), notes };
  }
  let prices: Map<string, Price>;
  try {
    const asking = pricing.prices(
      pool.slice(0, PRICED_POOL).map((m) => m.id),
      caller as Caller & { key: NonNullable<Caller['key']> },
      signal,
    );
    // Prices only shown are not worth a slow answer; asked for (a filter, an order), they are waited for.
    const listed = wantsPrice ? await asking : await settleWithin(asking, NICE_TO_HAVE_MS, undefined);
    if (!listed) {
      const notes = [
        `Prices could not be fetched (fal did not answer within ${NICE_TO_HAVE_MS / 1000} s); listed without them.`,
      ];
      return { items: pool.slice(0, query.limit), notes };
    }
    prices = new Map(listed.map((p) => [p.endpoint_id, p]));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return {
      items: pool.slice(0, query.limit),
      notes: [`Prices could not be fetched (${why}); listed without them.`],
    };
  }
  const notes: string[] = [];
  let items: (T & { price?: Price })[] = pool.map((m) => {
    const price = prices.get(m.id);
    return price ? { ...m, price } : { ...m };
  });
  if (query.maxUnitPriceUsd !== undefined) {
    const max = query.maxUnitPriceUsd;
    const unpriced = items.filter((m) => !m.price).length;
    items = items.filter((m) => m.price && m.price.unit_price <= max);
    if (unpriced > 0) notes.push(`${unpriced} model(s) without a price for your key were left out.`);
  }
  if (query.sort === 'price') {
    // Stable: equal prices keep their relevance order; models without a price go last.
    items = [...items].sort(
      (a, b) =>
        (a.price?.unit_price ?? Number.POSITIVE_INFINITY) - (b.price?.unit_price ?? Number.POSITIVE_INFINITY),
    );
    notes.push('Ordered by your unit price (units differ between models: compare like with like).');
  }
  return { items: withFamilyRoles(items).slice(0, query.limit), notes };
}

/** The cheapest and dearest of a family priced in one unit, when the pool holds two or more of it. */
function withFamilyRoles<T extends { id: string; price?: Price }>(
  items: T[],
): (T & { family_role?: 'budget' | 'premium' })[] {
  const families = new Map<string, T[]>();
  for (const m of items) {
    if (!m.price) continue;
    const key = `${familyOf(m.id)}\n${m.price.unit}`;
    families.set(key, [...(families.get(key) ?? []), m]);
  }
  const roles = new Map<string, 'budget' | 'premium'>();
  for (const members of families.values()) {
    if (members.length < 2) continue;
    const byPrice = [...members].sort((a, b) => (a.price?.unit_price ?? 0) - (b.price?.unit_price ?? 0));
    const low = byPrice[0];
    const high = byPrice.at(-1);
    if (!low?.price || !high?.price || low.price.unit_price === high.price.unit_price) continue;
    roles.set(low.id, 'budget');
    roles.set(high.id, 'premium');
  }
  return items.map((m) => {
    const role = roles.get(m.id);
    return role ? { ...m, family_role: role } : m;
  });
}

/** A price in words: "$0.025 per megapixels". */
export function priceWords(price: Price): string {
  const amount = price.currency === 'USD' ? `$${price.unit_price}` : `${price.unit_price} ${price.currency}`;
  return `${amount} per ${price.unit}`;
}

import type { KeyedCaller } from '../auth/caller.js';
import type { JsonObject } from '../lib/is-object.js';
import type { ModelSchemaService } from '../registry/model-schemas.js';
import type { PricingService } from '../registry/pricing.js';
import type { ModelRegistry } from '../registry/registry.js';
import { type CostEstimate, estimateRun, unitsOf, workOf } from './cost-model.js';

/** Prices asked for at once when looking for models that fit a cap (fal's limit per pricing call). */
const MAX_PRICED = 50;

/**
 * Estimates for runs, from the caller's own prices (cached per tenant, never
 * another tenant's) and fal's typical past call: the one figure the spend
 * rules, the confirmation, the result and estimate_cost all state.
 */
export class RunEstimator {
  constructor(
    private readonly deps: { pricing: PricingService; registry: ModelRegistry; schemas: ModelSchemaService },
  ) {}

  /** One run of this input; without an estimate, why not. */
  async estimate(
    model: string,
    input: Record<string, unknown>,
    schema: JsonObject,
    caller: KeyedCaller,
    signal?: AbortSignal,
  ): Promise<{ estimate?: CostEstimate; why?: string }> {
    const [price, typical] = await Promise.allSettled([
      this.deps.pricing.prices([model], caller, signal).then((p) => p[0]),
      this.deps.pricing.typicalCall(model, caller, signal),
    ]);
    const estimate = estimateRun(
      input,
      schema,
      price.status === 'fulfilled' ? price.value : undefined,
      typical.status === 'fulfilled' ? typical.value : undefined,
    );
    if (estimate) return { estimate };
    const failed = [price, typical].find((r) => r.status === 'rejected');
    const why =
      failed?.status === 'rejected' && failed.reason instanceof Error ? failed.reason.message : undefined;
    return { why: why ?? 'fal lists no price for it' };
  }

  /**
   * Up to three models of the same kind whose estimate for this input fits the
   * cap, cheapest first, each with its figure: one pricing call for the lot.
   */
  async fitting(
    model: string,
    input: Record<string, unknown>,
    schema: JsonObject,
    capUsd: number,
    caller: KeyedCaller,
    signal?: AbortSignal,
  ): Promise<string[]> {
    const catalogue = await this.deps.registry.catalogue();
    const category = catalogue.models.get(model)?.category;
    if (!category) return [];
    // Its own family first (flux/schnell for flux/dev), then models whose schemas are cached.
    const family = (id: string) => id.split('/').slice(0, 2).join('/');
    const rank = (id: string) =>
      (family(id) === family(model) ? 0 : 2) + (this.deps.schemas.cached(id) ? 0 : 1);
    const ids = catalogue.list
      .filter((m) => m.category === category && m.id !== model && m.status !== 'deprecated')
      .map((m) => m.id)
      .sort((a, b) => rank(a) - rank(b))
      .slice(0, MAX_PRICED);
    const prices = await this.deps.pricing.prices(ids, caller, signal);
    // The same work (size, count, length as this model would do it) on each of them.
    const work = workOf(input, schema);
    return prices
      .flatMap((price) => {
        const theirs = this.deps.schemas.cached(price.endpoint_id)?.input ?? {};
        // Only figures this work really implies: a guess could send the caller over the cap.
        if (!unitsOf(price.unit, work, theirs)) return [];
        const estimate = estimateRun(work, theirs, price, undefined);
        return estimate && estimate.usd <= capUsd ? [{ id: price.endpoint_id, estimate }] : [];
      })
      .sort((a, b) => a.estimate.usd - b.estimate.usd || a.id.localeCompare(b.id))
      .slice(0, 3)
      .map(({ id, estimate }) => `${id} ($${estimate.usd}: ${estimate.basis})`);
  }
}

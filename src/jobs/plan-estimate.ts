import type { KeyedCaller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import type { FalClient } from '../fal/client.js';
import { fetchEstimate } from '../fal/platform.js';
import type { CostEstimate } from './cost-model.js';

export type PlanBasis = 'historical_api_price' | 'unit_price';

/** One line of planned work: a model, how many (runs, calls or units), and the run's input when known. */
export interface PlanItem {
  model: string;
  /** The name the caller wrote (an alias), for messages; the model id otherwise. */
  asked?: string | undefined;
  quantity: number;
  input?: Record<string, unknown> | undefined;
}

export interface PlanEstimate {
  /** USD, to 4 decimals. */
  total: number;
  currency: string;
  /** How the total was reached: per_input, fal's estimate type, or both joined by " + ". */
  basis: string;
  /** Items with their input: the figure a run of that input states, times its quantity. */
  perRun: { model: string; quantity: number; estimate_usd: number; basis: string }[];
  /** Items without input: priced by fal's estimate, as calls or billing units. */
  counted: { model: string; quantity: number }[];
}

type EstimateRun = (
  model: string,
  input: Record<string, unknown>,
  caller: KeyedCaller,
  signal?: AbortSignal,
) => Promise<{ estimate?: CostEstimate | undefined; why?: string | undefined }>;

/**
 * The cost of planned work (estimate_cost): an item with its run input is priced
 * as the run itself would be (one cost model); the rest in one call to fal's
 * estimate API, as calls at typical past prices or as billing units. Quantities
 * are checked against fal's rules before anything is asked.
 */
export class PlanEstimator {
  constructor(private readonly deps: { fal: FalClient; estimateRun: EstimateRun }) {}

  async estimate(
    items: readonly PlanItem[],
    basis: PlanBasis,
    caller: KeyedCaller,
    signal?: AbortSignal,
  ): Promise<PlanEstimate> {
    const calls = basis === 'historical_api_price';
    refuseBadQuantities(items, calls);
    const perRun = await Promise.all(
      items
        .filter((item) => item.input)
        .map(async (item) => {
          const { estimate, why } = await this.deps.estimateRun(item.model, item.input ?? {}, caller, signal);
          if (!estimate) throw new UserError(`The cost of ${item.model} could not be estimated (${why}).`);
          return {
            model: item.model,
            quantity: item.quantity,
            estimate_usd: estimate.usd,
            basis: estimate.basis,
          };
        }),
    );
    const totals = new Map<string, number>();
    for (const item of items.filter((i) => !i.input)) {
      totals.set(item.model, (totals.get(item.model) ?? 0) + item.quantity);
    }
    const fal =
      totals.size === 0
        ? undefined
        : await fetchEstimate(
            this.deps.fal,
            calls
              ? {
                  estimate_type: 'historical_api_price',
                  endpoints: Object.fromEntries([...totals].map(([id, q]) => [id, { call_quantity: q }])),
                }
              : {
                  estimate_type: 'unit_price',
                  endpoints: Object.fromEntries([...totals].map(([id, q]) => [id, { unit_quantity: q }])),
                },
            caller,
            signal,
          );
    const runs = perRun.reduce((sum, i) => sum + i.quantity * i.estimate_usd, 0);
    return {
      total: Math.round(((fal?.total_cost ?? 0) + runs) * 10_000) / 10_000,
      currency: fal?.currency ?? 'USD',
      basis: [perRun.length ? 'per_input' : '', fal?.estimate_type ?? ''].filter(Boolean).join(' + '),
      perRun,
      counted: [...totals].map(([model, quantity]) => ({ model, quantity })),
    };
  }
}

/** fal's own rules: calls are whole and at least one, units above zero. */
function refuseBadQuantities(items: readonly PlanItem[], calls: boolean): void {
  const bad = items.flatMap((item, i) =>
    calls || item.input
      ? Number.isInteger(item.quantity) && item.quantity >= 1
        ? []
        : [
            `items[${i}].quantity (${item.asked ?? item.model}): ${item.quantity} calls — a number of calls is a whole number, at least 1`,
          ]
      : item.quantity > 0
        ? []
        : [
            `items[${i}].quantity (${item.asked ?? item.model}): ${item.quantity} units — billing units must be above 0`,
          ],
  );
  if (bad.length > 0) {
    throw new UserError(
      `${bad.join('; ')}. ${calls ? 'For fractional amounts use estimate_type "unit_price" with billing units (see get_pricing).' : ''}`.trim(),
    );
  }
}

import { UserError } from '../errors.js';
import type { Credential, FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { fetchEstimate } from '../fal/platform.js';

/**
 * Refuse a call before submit when fal's estimate for one call exceeds the
 * caller's cap or the operator's per-call cap. Without an estimate there is no
 * way to honour a cap, so the call is refused rather than risked.
 */
export async function enforceCostCap(
  fal: FalClient,
  model: string,
  as: Credential,
  callerCapUsd: number | undefined,
  serverCapUsd: number | undefined,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const caps = [callerCapUsd, serverCapUsd].filter((c): c is number => c !== undefined);
  if (caps.length === 0) return undefined;
  const cap = Math.min(...caps);
  const source = cap === callerCapUsd ? 'max_cost_usd' : "the server's per-call cap";
  let estimate: number;
  try {
    const result = await fetchEstimate(
      fal,
      { estimate_type: 'historical_api_price', endpoints: { [model]: { call_quantity: 1 } } },
      as,
      signal,
    );
    estimate = result.total_cost;
  } catch (error) {
    const why = error instanceof FalError ? error.message : 'the estimate failed';
    throw new UserError(
      `Not submitted: ${source} is set to $${cap}, and fal could not estimate the cost of ${model} (${why}), so the cap cannot be checked.`,
    );
  }
  if (estimate > cap) {
    throw new UserError(
      `Not submitted: fal estimates one call of ${model} at $${estimate} (typical past calls), above ${source} of $${cap}. ` +
        'Raise the cap, lower the work (fewer images, shorter duration), or pick a cheaper model (get_pricing).',
    );
  }
  return estimate;
}

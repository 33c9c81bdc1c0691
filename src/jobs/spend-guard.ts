import { UserError } from '../errors.js';
import type { Credential, FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { fetchEstimate } from '../fal/platform.js';

/** The spend rules of one call: caps that refuse, and a threshold above which the user confirms. */
export interface SpendRules {
  callerCapUsd: number | undefined;
  serverCapUsd: number | undefined;
  /** Ask the user above this estimate (the caller's confirm_above_usd, else CONFIRM_COST_ABOVE_USD). */
  confirmAboveUsd: number | undefined;
  /** The user already confirmed this very call (a verified, single-use confirmation). */
  confirmed: boolean;
  /** The client can show the user a confirmation form (2026 era, elicitation declared). */
  canConfirm: boolean;
}

/** The estimate is above the confirmation threshold and the client can ask the user: the tool asks. */
export class ConfirmationRequired extends Error {
  override name = 'ConfirmationRequired';
  constructor(
    readonly model: string,
    readonly estimateUsd: number,
    readonly thresholdUsd: number,
  ) {
    super(`fal estimates ${model} at $${estimateUsd}, above $${thresholdUsd}: the user must confirm`);
  }
}

/**
 * Check a call's spend before submit, with one fal estimate for both rules:
 * refuse when the estimate exceeds the caller's cap or the operator's per-call
 * cap; above the confirmation threshold, ask the user (ConfirmationRequired)
 * or, for a client that cannot ask, refuse with the estimate and how to pass
 * max_cost_usd. Without an estimate a rule cannot be honoured, so the call is
 * refused rather than risked.
 */
export async function checkSpend(
  fal: FalClient,
  model: string,
  as: Credential,
  rules: SpendRules,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const caps = [rules.callerCapUsd, rules.serverCapUsd].filter((c): c is number => c !== undefined);
  const threshold = rules.confirmed ? undefined : rules.confirmAboveUsd;
  if (caps.length === 0 && threshold === undefined) return undefined;
  const cap = caps.length > 0 ? Math.min(...caps) : undefined;
  const source = cap === rules.callerCapUsd ? 'max_cost_usd' : "the server's per-call cap";
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
    const rule =
      cap !== undefined
        ? `${source} is set to $${cap}`
        : `spending above $${threshold} needs your confirmation`;
    throw new UserError(
      `Not submitted: ${rule}, and fal could not estimate the cost of ${model} (${why}), so it cannot be checked.`,
    );
  }
  if (cap !== undefined && estimate > cap) {
    throw new UserError(
      `Not submitted: fal estimates one call of ${model} at $${estimate} (typical past calls), above ${source} of $${cap}. ` +
        'Raise the cap, lower the work (fewer images, shorter duration), or pick a cheaper model (get_pricing).',
    );
  }
  if (threshold !== undefined && estimate > threshold) {
    if (rules.canConfirm) throw new ConfirmationRequired(model, estimate, threshold);
    // Where no user can be asked, a max_cost_usd the estimate fits under is the caller's consent.
    if (cap !== undefined && cap === rules.callerCapUsd) return estimate;
    throw new UserError(
      `Not submitted: fal estimates one call of ${model} at $${estimate} (typical past calls), above the $${threshold} ` +
        'that needs your confirmation, and this client cannot ask for it. To run it anyway, call again with ' +
        `max_cost_usd: ${estimate} (or more).`,
    );
  }
  return estimate;
}

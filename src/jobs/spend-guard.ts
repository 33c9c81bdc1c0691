import { UserError } from '../errors.js';
import type { CostEstimate } from './cost-model.js';

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
    readonly estimate: CostEstimate,
    readonly thresholdUsd: number,
  ) {
    super(`${model} is estimated at $${estimate.usd}, above $${thresholdUsd}: the user must confirm`);
  }
}

/** Whether any rule needs an estimate to be honoured. */
export function spendRulesApply(rules: SpendRules): boolean {
  return (
    rules.callerCapUsd !== undefined ||
    rules.serverCapUsd !== undefined ||
    (!rules.confirmed && rules.confirmAboveUsd !== undefined)
  );
}

/**
 * Check a call's spend before submit, with the one estimate every rule uses
 * (cost-model.ts): refuse above the caller's cap or the operator's per-call
 * cap, naming models whose estimate for this input fits; above the
 * confirmation threshold, ask the user (ConfirmationRequired) or, for a client
 * that cannot ask, refuse with the estimate and how to pass max_cost_usd.
 * Without an estimate a rule cannot be honoured, so the call is refused.
 */
export async function checkSpend(
  model: string,
  estimate: CostEstimate | undefined,
  whyNone: string | undefined,
  rules: SpendRules,
  fitting: (capUsd: number) => Promise<string[]>,
): Promise<void> {
  if (!spendRulesApply(rules)) return;
  const caps = [rules.callerCapUsd, rules.serverCapUsd].filter((c): c is number => c !== undefined);
  const threshold = rules.confirmed ? undefined : rules.confirmAboveUsd;
  const cap = caps.length > 0 ? Math.min(...caps) : undefined;
  const source = cap === rules.callerCapUsd ? 'max_cost_usd' : "the server's per-call cap";
  if (!estimate) {
    const rule =
      cap !== undefined
        ? `${source} is set to $${cap}`
        : `spending above $${threshold} needs your confirmation`;
    throw new UserError(
      `Not submitted: ${rule}, and the cost of ${model} could not be estimated (${whyNone ?? 'no price'}), so it cannot be checked.`,
    );
  }
  const stated = `$${estimate.usd} (${estimate.basis})`;
  if (cap !== undefined && estimate.usd > cap) {
    const cheaper = await fitting(cap).catch(() => []);
    throw new UserError(
      `Not submitted: ${model} for this input is estimated at ${stated}, above ${source} of $${cap}. ` +
        (cheaper.length
          ? `Models of the same kind whose estimate for this input fits: ${cheaper.join(', ')}. `
          : 'No model of the same kind looked at here fits it for this input. ') +
        'Or raise the cap, or lower the work (fewer images, a smaller size, a shorter duration).',
    );
  }
  if (threshold !== undefined && estimate.usd > threshold) {
    if (rules.canConfirm) throw new ConfirmationRequired(model, estimate, threshold);
    // Where no user can be asked, a max_cost_usd the estimate fits under is the caller's consent.
    if (cap !== undefined && cap === rules.callerCapUsd) return;
    throw new UserError(
      `Not submitted: ${model} for this input is estimated at ${stated}, above the $${threshold} ` +
        'that needs your confirmation, and this client cannot ask for it. To run it anyway, call again with ' +
        `max_cost_usd: ${estimate.usd} (or more).`,
    );
  }
}

import { acceptedContent, inputRequired } from '@modelcontextprotocol/server';
import type { KeyedCaller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import type { JobService, Submission, SubmitRequest } from '../jobs/job-service.js';
import { callDigest, type SpendConfirmations } from '../jobs/spend-confirmations.js';
import { ConfirmationRequired } from '../jobs/spend-guard.js';
import { NICE_TO_HAVE_MS, settleWithin } from '../lib/deadline.js';
import { InputNeeded } from '../lib/tool-output.js';
import type { Logger } from '../log.js';
import type { Balance } from '../registry/pricing.js';

/** The key of the one input request a spend confirmation makes. */
const CONFIRM = 'confirm_spend';

/** What this request can do with the user (2026 era): ask through a form, and what it answered. */
export interface Interaction {
  /** The request declared elicitation (2026-07-28 era): an input-required result can ask the user. */
  canElicit: boolean;
  /** A retried request's answers to what was asked, and the state echoed back (untrusted input). */
  inputResponses?: Record<string, unknown> | undefined;
  requestState?: string | undefined;
}

/** The call a confirmation is bound to: the tool and its arguments as received. */
export interface CallSite {
  tool: string;
  args: unknown;
}

/**
 * Submit, asking the user first when fal's estimate is above the confirmation
 * threshold and the client can show a form (MRTR): the call answers
 * input_required with the price; the retry carrying the accepted answer and the
 * echoed requestState (sealed, single-use, bound to this tenant, tool and these
 * arguments) submits. A declined or missing answer submits nothing.
 */
export async function submitConfirmed(
  deps: {
    jobs: JobService;
    confirmations: SpendConfirmations;
    /** The account's balance, said with the question when the key may read it. */
    balance?: (caller: KeyedCaller, signal: AbortSignal) => Promise<Balance>;
  },
  req: SubmitRequest,
  caller: KeyedCaller,
  at: { interaction: Interaction; call: CallSite; signal: AbortSignal; logger?: Logger | undefined },
): Promise<Submission> {
  const { tool } = at.call;
  const digest = callDigest(tool, at.call.args);
  let spendConfirmed = false;
  if (at.interaction.requestState !== undefined) {
    const answer = acceptedContent(at.interaction.inputResponses, CONFIRM);
    const said = { tenant: caller.tenant, tool, model: req.model };
    if (answer?.confirm !== true) {
      at.logger?.audit('confirm', { ...said, outcome: 'declined' });
      throw new UserError('Not submitted: the spend was not confirmed. Nothing was charged.');
    }
    await deps.confirmations.redeem(caller, tool, digest, at.interaction.requestState);
    at.logger?.audit('confirm', { ...said, outcome: 'accepted' });
    spendConfirmed = true;
  }
  try {
    return await deps.jobs.submit(
      { ...req, spendConfirmed, canConfirm: at.interaction.canElicit },
      caller,
      at.signal,
    );
  } catch (error) {
    if (!(error instanceof ConfirmationRequired)) throw error;
    const { usd, basis } = error.estimate;
    // The balance is said when it comes quickly; a slow billing API never holds the question up.
    const asking = deps.balance?.(caller, at.signal).catch(() => undefined);
    const balance = asking && (await settleWithin(asking, NICE_TO_HAVE_MS, undefined));
    const left = balance?.readable ? ` Your balance: ${balance.amount} ${balance.currency}.` : '';
    const requestState = await deps.confirmations.mint(caller, tool, digest, {
      model: error.model,
      estimateUsd: usd,
    });
    throw new InputNeeded(
      inputRequired({
        inputRequests: {
          [CONFIRM]: inputRequired.elicit({
            mode: 'form',
            message:
              `Run ${error.model}? It is estimated at $${usd} USD (${basis}), ` +
              `above the $${error.thresholdUsd} that needs your confirmation.${left}`,
            requestedSchema: {
              type: 'object',
              properties: {
                confirm: {
                  type: 'boolean',
                  title: `Spend about $${usd} on ${error.model}`,
                  description: `Model ${error.model}; estimate $${usd} USD`,
                },
              },
              required: ['confirm'],
            },
          }),
        },
        requestState,
      }) as never,
    );
  }
}

import { acceptedContent, inputRequired } from '@modelcontextprotocol/server';
import type { KeyedCaller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import { callDigest } from '../jobs/spend-confirmations.js';
import { ConfirmationRequired } from '../jobs/spend-guard.js';
import type { Submission, SubmitRequest } from '../jobs/submitter.js';
import type { ToolContext } from '../mcp/define-tool.js';
import { InputNeeded } from '../mcp/results.js';

/** The key of the one input request a spend confirmation makes. */
const CONFIRM = 'confirm_spend';

/**
 * Submit, asking the user first when fal's estimate is above the confirmation
 * threshold and the client can show a form (MRTR): the call answers
 * input_required with the price; the retry carrying the accepted answer and the
 * echoed requestState (sealed, single-use, bound to this tenant, tool and these
 * arguments) submits. A declined or missing answer submits nothing.
 */
export async function submitConfirmed(
  req: SubmitRequest,
  caller: KeyedCaller,
  { services, signal, interaction, call }: ToolContext,
): Promise<Submission> {
  const { tool } = call;
  const digest = callDigest(tool, call.args);
  let spendConfirmed = false;
  if (interaction.requestState !== undefined) {
    const answer = acceptedContent(interaction.inputResponses, CONFIRM);
    if (answer?.confirm !== true) {
      throw new UserError('Not submitted: the spend was not confirmed. Nothing was charged.');
    }
    await services.confirmations.redeem(caller, tool, digest, interaction.requestState);
    spendConfirmed = true;
  }
  try {
    return await services.jobs.submit(
      { ...req, spendConfirmed, canConfirm: interaction.canElicit },
      caller,
      signal,
    );
  } catch (error) {
    if (!(error instanceof ConfirmationRequired)) throw error;
    const requestState = services.confirmations.mint(caller, tool, digest, {
      model: error.model,
      estimateUsd: error.estimateUsd,
    });
    throw new InputNeeded(
      inputRequired({
        inputRequests: {
          [CONFIRM]: inputRequired.elicit({
            mode: 'form',
            message:
              `Run ${error.model}? fal estimates one call at $${error.estimateUsd} (USD, from typical past calls), ` +
              `above the $${error.thresholdUsd} that needs your confirmation.`,
            requestedSchema: {
              type: 'object',
              properties: {
                confirm: {
                  type: 'boolean',
                  title: `Spend about $${error.estimateUsd} on ${error.model}`,
                  description: `Model ${error.model}; estimate $${error.estimateUsd} USD`,
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

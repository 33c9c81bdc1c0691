import type { KeyedCaller } from '../auth/caller.js';
import type { ToolContext } from '../mcp/define-tool.js';
import type { ToolOutput } from '../mcp/results.js';
import { submitConfirmed } from './confirmed-submit.js';
import { type JobOutput, jobToolOutputWithPreviews } from './job-output.js';

export interface RunRequest {
  model: string;
  input: Record<string, unknown>;
  waitSeconds?: number | undefined;
  maxCostUsd?: number | undefined;
  /** Ask the user above this estimate (stricter than the operator's CONFIRM_COST_ABOVE_USD only). */
  confirmAboveUsd?: number | undefined;
  idempotencyKey?: string | undefined;
  /** Inline previews of the result's images (default true). */
  preview?: boolean | undefined;
  /** Notes from choosing the model and mapping parameters, shown with the result. */
  notes?: readonly string[];
}

/**
 * Submit (validated, cost-guarded, idempotent), tell the client the request id,
 * wait with progress, answer with the result or a handle. Shared by run_model
 * and every task tool.
 */
export async function runAndWait(
  req: RunRequest,
  caller: KeyedCaller,
  ctx: ToolContext,
): Promise<ToolOutput<JobOutput>> {
  const { services, signal, progress } = ctx;
  const waitSeconds = services.jobs.clampWait(req.waitSeconds);
  const submission = await submitConfirmed(
    {
      model: req.model,
      input: req.input,
      maxCostUsd: req.maxCostUsd,
      idempotencyKey: req.idempotencyKey,
      confirmAboveUsd: req.confirmAboveUsd,
      deadline: Date.now() + waitSeconds * 1000,
    },
    caller,
    ctx,
  );
  const { model, requestId } = submission.record;
  // The first progress carries the request id: a client that gives up still knows what to check.
  await progress(
    0,
    undefined,
    `Submitted ${model} as request ${requestId}` +
      (submission.queuePosition !== undefined ? ` (queue position ${submission.queuePosition})` : '') +
      '. If this call is cut off, use check_job with this model and request_id.',
  );
  const view = await services.jobs.follow(model, requestId, caller, submission.record, {
    waitSeconds,
    logs: false,
    signal,
    progress: (step, message) => progress(step, undefined, message),
    firstPollDelayMs: submission.fresh ? 500 : 0,
  });
  view.notes.unshift(...(req.notes ?? []), ...submission.notes);
  return jobToolOutputWithPreviews(
    view,
    { waitedSeconds: waitSeconds, preview: req.preview ?? true },
    caller,
    ctx,
  );
}

import * as v from 'valibot';
import { defineTool } from '../mcp/define-tool.js';
import { requireKey } from '../mcp/errors.js';
import { JobOutput, JobParams, jobToolOutput } from './job-output.js';
import { ModelNameParam } from './params.js';

export const runModelTool = defineTool({
  name: 'run_model',
  title: 'Run a fal model',
  group: 'execution',
  description:
    'Run any fal model and wait briefly for its result. The input is checked against the model schema first ' +
    '(nothing is billed for a bad field). Returns the output and media links when done; a slow job (video, ' +
    'music) returns its request_id and the check_job call to make next instead. Use submit_job to not wait ' +
    'at all. Needs a fal key.',
  input: v.object({
    model: ModelNameParam,
    input: JobParams.input,
    wait_seconds: v.optional(
      v.pipe(
        v.number(),
        v.minValue(0),
        v.description('How long to wait for the result (default 20, capped by the server).'),
      ),
    ),
    max_cost_usd: JobParams.max_cost_usd,
    idempotency_key: JobParams.idempotency_key,
  }),
  output: JobOutput,
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  async handler(args, caller, { services, signal, progress }) {
    const keyed = requireKey(caller, 'run_model');
    const submission = await services.jobs.submit(
      {
        model: args.model,
        input: args.input,
        maxCostUsd: args.max_cost_usd,
        idempotencyKey: args.idempotency_key,
      },
      keyed,
      signal,
    );
    const { model, requestId } = submission.record;
    // First progress carries the request id: a client that gives up still knows what to check.
    await progress(
      0,
      undefined,
      `Submitted ${model} as request ${requestId}` +
        (submission.queuePosition !== undefined ? ` (queue position ${submission.queuePosition})` : '') +
        '. If this call is cut off, use check_job with this model and request_id.',
    );
    const waitSeconds = services.jobs.clampWait(args.wait_seconds);
    const view = await services.jobs.follow(model, requestId, keyed, {
      waitSeconds,
      logs: false,
      signal,
      progress: (step, message) => progress(step, undefined, message),
      firstPollDelayMs: submission.fresh ? 500 : 0,
    });
    view.notes.unshift(...submission.notes);
    return jobToolOutput(view, waitSeconds);
  },
});

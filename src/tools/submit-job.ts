import * as v from 'valibot';
import { MediaJobOutput } from '../runs/present.js';
import { RUNS_MODEL } from './annotations.js';
import { runOptions } from './define-run-tool.js';
import { defineTool } from './define-tool.js';
import { JobParams } from './job-params.js';
import { MediaParams } from './media-params.js';
import { ModelNameParam } from './params.js';

export const submitJobTool = defineTool({
  name: 'submit_job',
  title: 'Submit a fal job',
  group: 'execution',
  description:
    'Queue a fal model run; returns its request_id at once (check_job gets the result). For long jobs (video, music, training) or batches; run_model to wait.',
  input: v.object({
    model: ModelNameParam,
    input: JobParams.input,
    webhook_url: v.optional(
      v.pipe(MediaParams.urlOf('webhook_url'), v.description('Called when the job ends.')),
    ),
    max_cost_usd: JobParams.max_cost_usd,
    confirm_above_usd: JobParams.confirm_above_usd,
    idempotency_key: JobParams.idempotency_key,
    store_payload: JobParams.store_payload,
    expiration_seconds: JobParams.expiration_seconds,
  }),
  output: MediaJobOutput,
  annotations: RUNS_MODEL,
  needsKey: 'any',
  synonyms: { arguments: 'input', inputs: 'input', params: 'input', parameters: 'input' },
  async handler(args, caller, ctx) {
    return ctx.services.runs.submit(
      { model: args.model, input: args.input, notes: [] },
      { ...runOptions(args), webhookUrl: args.webhook_url },
      caller,
      ctx,
    );
  },
});

import * as v from 'valibot';
import { JobOutput } from '../runs/present.js';
import { RUNS_MODEL } from './annotations.js';
import { runOptions } from './define-run-tool.js';
import { defineTool } from './define-tool.js';
import { JobParams } from './job-params.js';
import { ModelNameParam } from './params.js';

export const runModelTool = defineTool({
  name: 'run_model',
  title: 'Run a fal model',
  group: 'execution',
  description:
    "Run any fal model and wait briefly. The input is checked against its schema first (a bad field bills nothing). Returns the output, media links and previews, or for a slow job its request_id (then check_job). submit_job: don't wait; generate_*/edit_image: common tasks.",
  input: v.object({
    model: ModelNameParam,
    input: JobParams.input,
    wait_seconds: JobParams.wait_seconds,
    max_cost_usd: JobParams.max_cost_usd,
    confirm_above_usd: JobParams.confirm_above_usd,
    idempotency_key: JobParams.idempotency_key,
    store_payload: JobParams.store_payload,
    expiration_seconds: JobParams.expiration_seconds,
    preview: JobParams.preview,
  }),
  output: JobOutput,
  annotations: RUNS_MODEL,
  needsKey: 'any',
  showsMedia: true,
  longRunning: true,
  synonyms: { arguments: 'input', inputs: 'input', params: 'input', parameters: 'input' },
  async handler(args, caller, ctx) {
    return ctx.services.runs.run(
      { model: args.model, input: args.input, notes: [] },
      runOptions(args),
      caller,
      ctx,
    );
  },
});

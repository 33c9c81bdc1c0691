import * as v from 'valibot';
import { RUNS_MODEL } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { JobOutput } from '../runs/present.js';
import { runOptions } from './define-run-tool.js';
import { JobParams } from './job-params.js';
import { ModelNameParam } from './params.js';

export const runModelTool = defineTool({
  name: 'run_model',
  title: 'Run a fal model',
  group: 'execution',
  description:
    'Run any fal model and wait briefly for its result. The input is checked against the model schema first (a bad field bills nothing). Returns the output, media links and image previews, or for a slow job its request_id and the check_job call. Use submit_job not to wait, generate_*/edit_image for common tasks. Needs a fal key.',
  input: v.object({
    model: ModelNameParam,
    input: JobParams.input,
    wait_seconds: JobParams.wait_seconds,
    max_cost_usd: JobParams.max_cost_usd,
    confirm_above_usd: JobParams.confirm_above_usd,
    idempotency_key: JobParams.idempotency_key,
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

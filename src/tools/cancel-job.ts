import * as v from 'valibot';
import { unlisted } from '../lib/schema-marks.js';
import { DESTRUCTIVE } from './annotations.js';
import { defineTool } from './define-tool.js';
import { JobParams } from './job-params.js';
import { ModelNameParam } from './params.js';

const MESSAGES = {
  cancelled: 'Cancellation requested; a job already running may still finish and be billed.',
  already_completed: 'The job had already finished; nothing to cancel. check_job returns its result.',
  not_found: 'fal does not know this request for this key (wrong model, wrong key, or expired).',
} as const;

export const cancelJobTool = defineTool({
  name: 'cancel_job',
  title: 'Cancel a fal job',
  group: 'execution',
  description:
    'Cancel a queued or running job; says if it was cancelled, had finished, or is unknown. model may be omitted. Needs the key that submitted it.',
  input: v.object({
    request_id: JobParams.request_id,
    model: v.optional(ModelNameParam),
  }),
  output: v.object({
    model: v.string(),
    request_id: v.string(),
    outcome: v.picklist(['cancelled', 'already_completed', 'not_found']),
    message: v.pipe(v.string(), unlisted()),
  }),
  annotations: DESTRUCTIVE,
  needsKey: 'any',
  async handler(args, caller, { services, signal }) {
    const { model } = await services.jobs.locate(caller, args.request_id, args.model);
    const outcome = await services.jobs.cancel(model, args.request_id, caller, signal);
    const message = MESSAGES[outcome];
    return {
      structured: { model, request_id: args.request_id, outcome, message },
      text: `${model} request ${args.request_id}: ${message}`,
    };
  },
});

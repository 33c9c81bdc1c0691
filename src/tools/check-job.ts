import * as v from 'valibot';
import { JobOutput } from '../runs/present.js';
import { READS } from './annotations.js';
import { defineTool } from './define-tool.js';
import { JobParams } from './job-params.js';
import { ModelNameParam } from './params.js';

export const checkJobTool = defineTool({
  name: 'check_job',
  title: 'Check a fal job',
  group: 'execution',
  description:
    "A job's status (queue position, logs), then its output and media links, or its error. wait_seconds waits for the end; model may be omitted. Needs the key that submitted it.",
  input: v.object({
    request_id: JobParams.request_id,
    model: v.optional(ModelNameParam),
    wait_seconds: v.optional(
      v.pipe(v.number(), v.minValue(0), v.description('Wait this long for completion (default 0).')),
    ),
    logs: v.optional(v.pipe(v.boolean(), v.description("The model's log lines.")), false),
    preview: JobParams.preview,
  }),
  output: JobOutput,
  annotations: READS,
  needsKey: 'any',
  showsMedia: true,
  async handler(args, caller, ctx) {
    const { services, signal, progress } = ctx;
    const { model, record } = await services.jobs.locate(caller, args.request_id, args.model, signal);
    const waitSeconds = args.wait_seconds ? services.jobs.clampWait(args.wait_seconds) : 0;
    const view = await services.jobs.follow(model, args.request_id, caller, record, {
      waitSeconds,
      logs: args.logs,
      signal,
      progress: (step, message) => progress(step, undefined, message),
    });
    return services.runs.present(view, record, caller, {
      waitedSeconds: waitSeconds,
      preview: args.preview,
      signal,
    });
  },
});

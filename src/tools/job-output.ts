import * as v from 'valibot';
import type { Caller } from '../auth/caller.js';
import { type JobView, JobViewSchema } from '../jobs/job-view.js';
import { mediaLine } from '../jobs/results.js';
import type { ToolContext } from '../mcp/define-tool.js';
import { serverChecked } from '../mcp/json-schema.js';
import type { ToolOutput } from '../mcp/results.js';

/** The job shape run_model, submit_job and check_job all return: the job, and while it runs, what to call. */
export const JobOutput = v.object({
  ...JobViewSchema.entries,
  next: v.optional(
    v.object({
      tool: v.literal('check_job'),
      arguments: v.object({ model: v.string(), request_id: v.string() }),
    }),
  ),
});
export type JobOutput = v.InferInput<typeof JobOutput>;

/** Shared parameter pieces of the job tools. */
export const JobParams = {
  input: v.pipe(
    v.record(v.string(), v.unknown()),
    v.description("The model's inputs (see get_model_schema); files as URLs (upload_file)."),
  ),
  max_cost_usd: v.optional(
    v.pipe(v.number(), v.minValue(0), v.description("Cost cap (USD) on fal's estimate."), serverChecked()),
  ),
  // The name says it (ask the user first above this estimate, USD); docs/execution.md has the rest.
  confirm_above_usd: v.optional(v.pipe(v.number(), v.minValue(0), serverChecked())),
  idempotency_key: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1),
      v.maxLength(200),
      v.description('Same key (24 h): same job, billed once.'),
      serverChecked(),
    ),
  ),
  request_id: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1),
    v.maxLength(128),
    v.description('The request_id fal returned.'),
    serverChecked(),
  ),
  /** Inline image previews (default on): described by the tools that offer it, to keep tools/list small. */
  preview: v.optional(v.boolean(), true),
  wait_seconds: v.optional(
    v.pipe(v.number(), v.minValue(0), v.description('Seconds to wait (default 20).'), serverChecked()),
  ),
};

/**
 * The job tool output of a finished job, with small previews of its images as
 * image content (a vision model can check its own work) unless `preview` is off.
 */
export async function jobToolOutputWithPreviews(
  view: JobView,
  options: { waitedSeconds?: number; preview: boolean },
  caller: Caller,
  { services, signal }: ToolContext,
): Promise<ToolOutput<JobOutput>> {
  if (!options.preview || view.status !== 'COMPLETED') return jobToolOutput(view, options.waitedSeconds);
  const previews = await services.previews.make(view.media, caller.tenant, signal);
  view.notes.push(...previews.notes);
  const output = jobToolOutput(view, options.waitedSeconds);
  return previews.images.length ? { ...output, images: previews.images } : output;
}

/** Structured job, a text mirror an agent can act on, and a resource link per media file. */
export function jobToolOutput(
  followed: JobView & { polls?: number },
  waitedSeconds?: number,
): ToolOutput<JobOutput> {
  // How many status requests the wait took is the server's business, not part of the job.
  const { polls: _polls, ...view } = followed;
  const lines: string[] = [];
  const id = `${view.model} request ${view.request_id}`;
  const pending = view.status === 'IN_QUEUE' || view.status === 'IN_PROGRESS';
  const next = { tool: 'check_job' as const, arguments: { model: view.model, request_id: view.request_id } };
  switch (view.status) {
    case 'COMPLETED': {
      lines.push(
        `${id} completed${view.inference_seconds !== undefined ? ` in ${view.inference_seconds} s` : ''}.`,
      );
      lines.push(...view.media.map(mediaLine));
      const seed = view.result?.seed;
      if (typeof seed === 'number') lines.push(`seed: ${seed}`);
      if (view.media.length === 0 && view.result) lines.push(JSON.stringify(view.result).slice(0, 1500));
      break;
    }
    case 'FAILED':
      lines.push(
        `${id} failed${view.error_type ? ` (${view.error_type})` : ''}: ${view.error ?? 'no detail'}.`,
      );
      break;
    case 'CANCELLED':
      lines.push(`${id} was cancelled.`);
      break;
    default: {
      const where =
        view.status === 'IN_QUEUE'
          ? `in queue${view.queue_position !== undefined ? `, position ${view.queue_position}` : ''}`
          : 'running';
      lines.push(
        `${id} is ${where}${waitedSeconds ? `; not finished after waiting ${waitedSeconds} s` : ''}.`,
        `Next: call check_job with ${JSON.stringify(next.arguments)} (add wait_seconds to wait).`,
      );
    }
  }
  if (view.logs?.length) lines.push('Logs:', ...view.logs.slice(-10).map((l) => `  ${l}`));
  lines.push(...view.notes);
  return {
    structured: pending ? { ...view, next } : view,
    text: lines.join('\n'),
    links: view.media.map((m) => ({
      url: m.url,
      name: m.name,
      mimeType: m.mime_type,
      description: `${view.model} ${m.field}`,
    })),
  };
}

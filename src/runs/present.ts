import * as v from 'valibot';
import type { JobRecord } from '../jobs/job-record.js';
import { type JobView, JobViewSchema } from '../jobs/job-view.js';
import { mediaLine } from '../jobs/results.js';
import { unlisted } from '../lib/schema-marks.js';
import type { ToolOutput } from '../lib/tool-output.js';

/** A speech-to-text job's transcript: its text, and timed chunks (with speakers when diarized). */
export const Transcript = v.object({
  text: v.string(),
  chunks: v.array(
    v.object({
      start: v.nullable(v.number()),
      end: v.nullable(v.number()),
      text: v.string(),
      speaker: v.optional(v.string()),
    }),
  ),
});

/** The job shape every run tool and check_job return: the job, and while it runs, what to call. */
export const JobOutput = v.object({
  ...JobViewSchema.entries,
  // The text says these; listing them for every job tool would cost every agent ~1.5 KB of context.
  model: v.pipe(v.string(), unlisted()),
  error: v.optional(v.pipe(v.string(), unlisted())),
  notes: v.pipe(v.array(v.string()), unlisted()),
  queue_position: v.optional(v.pipe(v.number(), unlisted())),
  logs: v.optional(v.pipe(v.array(v.string()), unlisted())),
  error_type: v.optional(v.pipe(v.string(), unlisted())),
  inference_seconds: v.optional(v.pipe(v.number(), unlisted())),
  estimated_cost_usd: v.optional(v.pipe(v.number(), unlisted())),
  cost_basis: v.optional(v.pipe(v.string(), unlisted())),
  // A job transcribe_audio started shows its transcript wherever it is read (check_job, tasks/get).
  transcript: v.optional(v.pipe(Transcript, unlisted())),
  next: v.optional(
    v.pipe(
      v.object({
        tool: v.literal('check_job'),
        arguments: v.object({ model: v.string(), request_id: v.string() }),
      }),
      unlisted(),
    ),
  ),
});
export type JobOutput = v.InferInput<typeof JobOutput>;

/**
 * The same job as the media tools and submit_job list it: their output is the
 * media (or nothing yet), so the raw result is returned but not listed.
 */
export const MediaJobOutput = v.object({
  ...JobOutput.entries,
  result: v.optional(v.pipe(v.record(v.string(), v.unknown()), unlisted())),
});

/**
 * How one tool shows a finished job beyond the common view (transcribe_audio's
 * transcript). Kept by tool name, so check_job and tasks/get show a job the way
 * the tool that started it would have.
 */
export type Presenter = (view: JobView, output: ToolOutput<JobOutput>) => ToolOutput<JobOutput>;

/** What fal keeps of a job and for how long, when the caller (or the operator) chose less than fal's default. */
export function privacyNotes(privacy: JobRecord['privacy'], status: JobView['status']): string[] {
  if (!privacy) return [];
  const notes: string[] = [];
  if (!privacy.storePayload) {
    notes.push(
      status === 'IN_QUEUE' || status === 'IN_PROGRESS'
        ? 'fal stores no copy of this run: it keeps the result only 1 h after it ends (6 min when 10 KB or more). Call check_job before then; this server keeps the result it sees for 24 h.'
        : 'fal stores no inputs or outputs of this run (store_payload false): its request history lists the run without them, and this server keeps this result until 24 h after submission.',
    );
  }
  if (privacy.mediaExpiresAt !== undefined) {
    notes.push(
      `The media files expire at ${new Date(privacy.mediaExpiresAt).toISOString()} (expiration_seconds).`,
    );
  }
  return notes;
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
        `${id} failed${view.error_type ? ` (${view.error_type})` : ''}: ${(view.error ?? 'no detail').replace(/\.$/, '')}.`,
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
  if (view.estimated_cost_usd !== undefined) {
    lines.push(
      `Estimated cost: $${view.estimated_cost_usd}${view.cost_basis ? ` (${view.cost_basis})` : ''}.`,
    );
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
    ...(view.status === 'IN_QUEUE' || view.status === 'IN_PROGRESS'
      ? {
          handoff: {
            model: view.model,
            request_id: view.request_id,
            status: view.status,
            ...(view.queue_position !== undefined ? { queue_position: view.queue_position } : {}),
            ...(view.estimated_cost_usd !== undefined ? { estimated_cost_usd: view.estimated_cost_usd } : {}),
          },
        }
      : {}),
  };
}

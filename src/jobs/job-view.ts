import * as v from 'valibot';
import { ForgottenJobError } from '../errors.js';
import type { QueueStatus } from '../fal/queue.js';
import { type JobRecord, MediaFileSchema, type Outcome } from './job-record.js';

/**
 * A job as the job service reports it: where it stands at fal, and its outcome
 * once finished. The tools return it as is, plus what to call next.
 */
export const JobViewSchema = v.object({
  model: v.string(),
  request_id: v.string(),
  status: v.picklist(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED']),
  queue_position: v.optional(v.number()),
  logs: v.optional(v.array(v.string())),
  result: v.optional(
    v.pipe(v.record(v.string(), v.unknown()), v.description("The model's output as fal returned it.")),
  ),
  media: v.array(MediaFileSchema),
  error: v.optional(v.string()),
  error_type: v.optional(v.string()),
  inference_seconds: v.optional(v.number()),
  /** What the run was estimated to cost before it was submitted (USD), and how. */
  estimated_cost_usd: v.optional(v.number()),
  cost_basis: v.optional(v.string()),
  notes: v.array(v.string()),
});
export type JobView = v.InferOutput<typeof JobViewSchema>;

/** fal's retention rule (queue docs), quoted wherever a forgotten result is explained. */
/** fal's queue docs: the payload storage period when payloads are stored (the default), else 1 h / 6 min. */
export const FAL_RETENTION =
  "fal keeps a result for the account's payload storage period (30 days by default) when payload storage is on, and only 1 hour (6 minutes when it is 10 KB or larger) when it is off";

/** The view of a job whose outcome is known: from fal just now, or kept from earlier. */
export function viewOfOutcome(model: string, requestId: string, outcome: Outcome): JobView {
  return {
    model,
    request_id: requestId,
    status: outcome.status,
    media: outcome.media,
    notes: [...outcome.notes],
    ...(outcome.result ? { result: outcome.result } : {}),
    ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    ...(outcome.error_type !== undefined ? { error_type: outcome.error_type } : {}),
    ...(outcome.inference_seconds !== undefined ? { inference_seconds: outcome.inference_seconds } : {}),
  };
}

/**
 * How a job fal reports COMPLETED really ended: fal has no FAILED or CANCELLED
 * status, only an error (and its type) on a COMPLETED one.
 */
export function endedStatus(
  error: string | null | undefined,
  errorType: string | null | undefined,
): 'COMPLETED' | 'FAILED' | 'CANCELLED' {
  if (!error && !errorType) return 'COMPLETED';
  return /cancel/i.test(`${errorType ?? ''} ${error ?? ''}`) ? 'CANCELLED' : 'FAILED';
}

/** A finished job's failure (fal has no FAILED status: failed and cancelled jobs end COMPLETED with an error). */
export function failureOutcome(
  error: string,
  errorType: string | undefined,
  inferenceSeconds?: number,
): Outcome {
  return {
    status: endedStatus(error, errorType) === 'CANCELLED' ? 'CANCELLED' : 'FAILED',
    media: [],
    error,
    ...(errorType ? { error_type: errorType } : {}),
    ...(inferenceSeconds !== undefined ? { inference_seconds: inferenceSeconds } : {}),
    notes: [],
    keptAt: Date.now(),
  };
}

export function progressMessage(requestId: string, status: QueueStatus): string {
  if (status.status === 'IN_QUEUE') {
    return `Request ${requestId}: in queue${typeof status.queue_position === 'number' ? `, position ${status.queue_position}` : ''}`;
  }
  if (status.status === 'IN_PROGRESS') {
    const last = status.logs?.at(-1)?.message;
    return `Request ${requestId}: running${last ? ` — ${last}` : ''}`;
  }
  return `Request ${requestId}: completed`;
}

/** fal answered 404 for a request: say what that means, with fal's retention rule, not "unknown model". */
export function forgotten(
  model: string,
  requestId: string,
  record: JobRecord | undefined,
): ForgottenJobError {
  if (record) {
    const minutes = Math.round((Date.now() - record.submittedAt) / 60_000);
    return new ForgottenJobError(
      `${model} request ${requestId} (submitted ${minutes} min ago) has expired at fal: ${FAL_RETENTION}, ` +
        'and this server had not seen it finish, so it kept nothing. Run the model again for a new result.',
    );
  }
  return new ForgottenJobError(
    `fal does not know ${model} request ${requestId} for this key: the request id, the model or the key may be wrong, ` +
      `or the result has expired (${FAL_RETENTION}).`,
  );
}

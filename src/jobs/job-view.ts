import type { QueueStatus } from '../fal/queue.js';
import type { MediaFile, Outcome } from './job-record.js';

export type JobState = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** What every job tool returns. */
export interface JobView {
  model: string;
  request_id: string;
  status: JobState;
  queue_position?: number;
  logs?: string[];
  result?: Record<string, unknown>;
  media: MediaFile[];
  error?: string;
  error_type?: string;
  inference_seconds?: number;
  notes: string[];
  /** The call to make next while the job is not done. */
  next?: { tool: 'check_job'; arguments: { model: string; request_id: string } };
}

/** fal's retention rule (queue docs), quoted wherever a forgotten result is explained. */
export const FAL_RETENTION = 'fal keeps a result for 1 hour, or only 6 minutes when it is 10 KB or larger';

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

/** A finished job's failure (fal has no FAILED status: failed and cancelled jobs end COMPLETED with an error). */
export function failureOutcome(
  error: string,
  errorType: string | undefined,
  inferenceSeconds?: number,
): Outcome {
  const cancelled = /cancel/i.test(`${errorType ?? ''} ${error}`);
  return {
    status: cancelled ? 'CANCELLED' : 'FAILED',
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

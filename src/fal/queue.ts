import * as v from 'valibot';
import type { Credential, FalClient } from './client.js';
import { FalError } from './errors.js';
import { queuePaths } from './queue-paths.js';

const LogLine = v.looseObject({
  message: v.string(),
  level: v.optional(v.string()),
  timestamp: v.optional(v.string()),
});

export const QueueStatusSchema = v.looseObject({
  status: v.picklist(['IN_QUEUE', 'IN_PROGRESS', 'COMPLETED']),
  request_id: v.optional(v.string()),
  queue_position: v.optional(v.nullable(v.number())),
  logs: v.optional(v.nullable(v.array(LogLine))),
  metrics: v.optional(v.nullable(v.looseObject({ inference_time: v.optional(v.nullable(v.number())) }))),
  error: v.optional(v.nullable(v.string())),
  error_type: v.optional(v.nullable(v.string())),
});
export type QueueStatus = v.InferOutput<typeof QueueStatusSchema>;

const SubmitSchema = v.looseObject({
  request_id: v.pipe(v.string(), v.minLength(1)),
  status: v.optional(v.string()),
  queue_position: v.optional(v.nullable(v.number())),
});
export type Submitted = v.InferOutput<typeof SubmitSchema>;

const ResultSchema = v.record(v.string(), v.unknown());

const CancelSchema = v.looseObject({ status: v.optional(v.string()) });

/** What fal keeps of a run: its inputs and outputs (X-Fal-Store-IO), and how long its media live. */
export interface Privacy {
  /** False: fal stores no payloads (and keeps the result only 1 h, 6 min when ≥ 10 KB). */
  storePayload?: boolean | undefined;
  /** Seconds fal's CDN keeps the output files. */
  expirationSeconds?: number | undefined;
}

/** fal's lifecycle header, as its own client writes it (submit: `…-preference`; upload initiate: plain). */
export function lifecycleHeader(
  name: 'x-fal-object-lifecycle-preference' | 'x-fal-object-lifecycle',
  expirationSeconds: number,
): Record<string, string> {
  return { [name]: JSON.stringify({ expiration_duration_seconds: expirationSeconds }) };
}

/**
 * Submit to the queue. Retried only on a 429 (fal answers it before accepting
 * anything); anything else may have created a job that bills. Not tied to the
 * MCP client's signal: once sent, a submit runs at fal whether the client stays
 * or not, so it is seen through and recorded.
 */
export function submitToQueue(
  fal: FalClient,
  endpointId: string,
  input: Record<string, unknown>,
  as: Credential,
  options: {
    webhookUrl?: string | undefined;
    deadline?: number | undefined;
    privacy?: Privacy | undefined;
  } = {},
): Promise<Submitted> {
  const searchParams = new URLSearchParams();
  if (options.webhookUrl) searchParams.set('fal_webhook', options.webhookUrl);
  const { storePayload = true, expirationSeconds } = options.privacy ?? {};
  return fal.request({
    route: 'queue.submit',
    method: 'POST',
    path: queuePaths.submit(endpointId),
    searchParams,
    json: input,
    headers: {
      'x-fal-queue-priority': 'normal',
      ...(storePayload ? {} : { 'x-fal-store-io': '0' }),
      ...(expirationSeconds !== undefined
        ? lifecycleHeader('x-fal-object-lifecycle-preference', expirationSeconds)
        : {}),
    },
    as,
    schema: SubmitSchema,
    deadline: options.deadline,
  });
}

export function fetchStatus(
  fal: FalClient,
  endpointId: string,
  requestId: string,
  as: Credential,
  options: { logs?: boolean; signal?: AbortSignal | undefined; deadline?: number | undefined } = {},
): Promise<QueueStatus> {
  return fal.request({
    route: 'queue.status',
    method: 'GET',
    path: queuePaths.status(endpointId, requestId),
    searchParams: new URLSearchParams(options.logs ? { logs: '1' } : {}),
    as,
    schema: QueueStatusSchema,
    signal: options.signal,
    deadline: options.deadline,
  });
}

export function fetchResult(
  fal: FalClient,
  endpointId: string,
  requestId: string,
  as: Credential,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  return fal.request({
    route: 'queue.result',
    method: 'GET',
    path: queuePaths.result(endpointId, requestId),
    as,
    schema: ResultSchema,
    signal,
  });
}

export type CancelOutcome = 'cancelled' | 'already_completed' | 'not_found';

/** fal answers cancel with a status in the body; the HTTP codes around it are less certain, so go by the body. */
export async function cancelRequest(
  fal: FalClient,
  endpointId: string,
  requestId: string,
  as: Credential,
  signal?: AbortSignal,
): Promise<CancelOutcome> {
  try {
    const body = await fal.request({
      route: 'queue.cancel',
      method: 'PUT',
      path: queuePaths.cancel(endpointId, requestId),
      as,
      schema: CancelSchema,
      signal,
    });
    return body.status === 'ALREADY_COMPLETED' ? 'already_completed' : 'cancelled';
  } catch (error) {
    if (!(error instanceof FalError)) throw error;
    // The body's status decides, whatever HTTP code came with it.
    if (error.falStatus === 'ALREADY_COMPLETED') return 'already_completed';
    if (error.falStatus === 'NOT_FOUND') return 'not_found';
    if (error.falStatus === 'CANCELLATION_REQUESTED' || error.falStatus === 'OK') return 'cancelled';
    if (error.status === 400) return 'already_completed';
    if (error.kind === 'not_found') return 'not_found';
    throw error;
  }
}

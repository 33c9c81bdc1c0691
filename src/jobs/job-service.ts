import { createHash } from 'node:crypto';
import type { Caller } from '../auth/caller.js';
import type { Secret } from '../auth/secret.js';
import type { FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { cancelRequest, fetchResult, fetchStatus, type QueueStatus, submitToQueue } from '../fal/queue.js';
import { assertEndpointId, assertRequestId } from '../fal/queue-paths.js';
import type { ConcurrencyLimiter } from '../limits/concurrency.js';
import type { Logger } from '../log.js';
import { UserError } from '../mcp/errors.js';
import type { ModelSchemaService } from '../registry/model-schemas.js';
import type { ModelRegistry } from '../registry/registry.js';
import { resolveModel } from '../registry/resolve.js';
import type { JobRecord, JobStore, Reservation } from './job-store.js';
import { type MediaFile, mapOutput } from './results.js';
import { enforceCostCap } from './spend-guard.js';
import { validateInput } from './validate-input.js';
import { waitForJob } from './wait.js';

export type KeyedCaller = Caller & { key: Secret };

export interface JobLimits {
  defaultWaitSeconds: number;
  maxWaitSeconds: number;
  serverMaxCostUsd: number | undefined;
  maxInputBytes: number;
}

export interface JobDeps {
  fal: FalClient;
  registry: ModelRegistry;
  schemas: ModelSchemaService;
  store: JobStore;
  logger: Logger;
  limits: JobLimits;
  /** Jobs being waited on per tenant. */
  waits: ConcurrencyLimiter;
}

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

export type ProgressSink = (progress: number, message: string) => Promise<void>;

export interface SubmitRequest {
  model: string;
  input: Record<string, unknown>;
  webhookUrl?: string | undefined;
  maxCostUsd?: number | undefined;
  idempotencyKey?: string | undefined;
}

export interface Submission {
  record: JobRecord;
  /** False when an idempotency key returned an earlier job instead of submitting. */
  fresh: boolean;
  queuePosition: number | undefined;
  notes: string[];
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Submit, wait, check and cancel fal queue jobs on behalf of one caller at a time. */
export class JobService {
  readonly #inflight = new Map<string, Promise<Submission>>();

  constructor(private readonly deps: JobDeps) {}

  /** Validate, guard the spend, honour the idempotency key, submit. */
  async submit(req: SubmitRequest, caller: KeyedCaller, signal?: AbortSignal): Promise<Submission> {
    if (!req.idempotencyKey) return this.#submit(req, caller, signal);
    const slot = `${caller.tenant}\n${req.idempotencyKey}`;
    // Concurrent retries with one key share one submit.
    let pending = this.#inflight.get(slot);
    if (!pending) {
      pending = this.#submit(req, caller, signal).finally(() => this.#inflight.delete(slot));
      this.#inflight.set(slot, pending);
    }
    return pending;
  }

  async #submit(req: SubmitRequest, caller: KeyedCaller, signal?: AbortSignal): Promise<Submission> {
    const catalogue = await this.deps.registry.catalogue();
    const resolved = resolveModel(catalogue, req.model);
    const model = assertEndpointId(resolved.id);
    const notes = resolved.note ? [resolved.note] : [];
    const size = Buffer.byteLength(JSON.stringify(req.input));
    if (size > this.deps.limits.maxInputBytes) {
      throw new UserError(
        `The input is ${size} bytes; the limit is ${this.deps.limits.maxInputBytes}. Pass large data as file URLs (upload_file).`,
      );
    }
    const fingerprint = createHash('sha256')
      .update(`${model}\n${canonical(req.input)}`)
      .digest('hex');

    const reservation = req.idempotencyKey
      ? await this.deps.store.reserve(caller.tenant, req.idempotencyKey, fingerprint, model, signal)
      : undefined;
    if (reservation?.kind === 'earlier') {
      return {
        record: reservation.record,
        fresh: false,
        queuePosition: undefined,
        notes: [
          ...notes,
          `Same idempotency_key as request ${reservation.record.requestId}: returning that job, nothing was submitted again.`,
        ],
      };
    }
    try {
      return await this.#submitChecked(model, req, caller, fingerprint, notes, reservation, signal);
    } catch (error) {
      if (reservation) await this.deps.store.release(reservation);
      throw error;
    }
  }

  async #submitChecked(
    model: string,
    req: SubmitRequest,
    caller: KeyedCaller,
    fingerprint: string,
    notes: string[],
    reservation: Extract<Reservation, { kind: 'reserved' }> | undefined,
    signal?: AbortSignal,
  ): Promise<Submission> {
    await this.#validate(model, req.input, caller.key, notes, signal);
    const estimate = await enforceCostCap(
      this.deps.fal,
      model,
      caller.key,
      req.maxCostUsd,
      this.deps.limits.serverMaxCostUsd,
      signal,
    );
    if (estimate !== undefined) notes.push(`Estimated cost: $${estimate} (typical past calls).`);

    const submitted = await submitToQueue(this.deps.fal, model, req.input, caller.key, {
      webhookUrl: req.webhookUrl,
      signal,
    });
    const record: JobRecord = {
      requestId: assertRequestId(submitted.request_id),
      model,
      submittedAt: Date.now(),
      ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
    };
    await this.deps.store.remember(caller.tenant, record);
    if (reservation && !(await this.deps.store.complete(reservation, record, fingerprint))) {
      notes.push(
        'The idempotency_key could not be recorded (shared store unreachable): a retry with it may submit again.',
      );
    }
    this.deps.logger.info('job submitted', { tenant: caller.tenant, model, requestId: record.requestId });
    return { record, fresh: true, queuePosition: submitted.queue_position ?? undefined, notes };
  }

  async #validate(
    model: string,
    input: Record<string, unknown>,
    key: Secret,
    notes: string[],
    signal?: AbortSignal,
  ) {
    let schema: Awaited<ReturnType<ModelSchemaService['get']>>['schema'] | undefined;
    try {
      schema = (await this.deps.schemas.get(model, key, signal)).schema;
    } catch (error) {
      if (error instanceof FalError && error.kind === 'unavailable') {
        notes.push(
          'The input was not checked locally: the model schema could not be fetched (fal unavailable).',
        );
        return;
      }
      throw error;
    }
    const issues = validateInput(schema.input, input);
    if (issues.length > 0) {
      throw new UserError(
        `The input does not fit ${model}; nothing was submitted.\n` +
          issues.map((i) => `- ${i.field}: ${i.message}`).join('\n') +
          `\nCall get_model_schema for "${model}" to see every field.`,
      );
    }
  }

  /** Which model a request belongs to: the caller's word, else this tenant's job record. */
  async locate(
    caller: Caller,
    requestId: string,
    model: string | undefined,
  ): Promise<{ model: string; record: JobRecord | undefined }> {
    assertRequestId(requestId);
    const record = await this.deps.store.find(caller.tenant, requestId);
    if (model) return { model: model, record };
    if (record) return { model: record.model, record };
    throw new UserError(
      `Request ${requestId} is not among this key's recent jobs here; pass the model it was submitted to as well.`,
    );
  }

  async resolveModelName(name: string): Promise<string> {
    const catalogue = await this.deps.registry.catalogue();
    return assertEndpointId(resolveModel(catalogue, name).id);
  }

  clampWait(seconds: number | undefined): number {
    const wanted = seconds ?? this.deps.limits.defaultWaitSeconds;
    return Math.max(0, Math.min(wanted, this.deps.limits.maxWaitSeconds));
  }

  /** Wait up to `waitSeconds` for a job, reporting progress, then describe it. */
  async follow(
    model: string,
    requestId: string,
    caller: KeyedCaller,
    opts: {
      waitSeconds: number;
      logs: boolean;
      signal: AbortSignal;
      progress: ProgressSink;
      firstPollDelayMs?: number;
    },
  ): Promise<JobView & { polls: number }> {
    let lastStatus: QueueStatus | undefined;
    let polls = 0;
    if (opts.waitSeconds <= 0) {
      lastStatus = await fetchStatus(this.deps.fal, model, requestId, caller.key, { logs: opts.logs });
      polls = 1;
    } else {
      const release = this.deps.waits.tryAcquire(caller.tenant);
      if (!release) {
        throw new UserError(
          `This key already has ${this.deps.waits.max} jobs being waited on here. Request ${requestId} is submitted; ` +
            `call check_job later (without wait_seconds), or use submit_job for batches.`,
        );
      }
      const outcome = await waitForJob(
        this.deps.fal,
        model,
        requestId,
        caller.key,
        {
          waitMs: opts.waitSeconds * 1000,
          signal: opts.signal,
          logs: true,
          onStatus: (status, poll) => opts.progress(poll, progressMessage(requestId, status)),
        },
        opts.firstPollDelayMs ?? 0,
      ).finally(release);
      lastStatus = outcome.status;
      polls = outcome.polls;
    }
    return { ...(await this.#describe(model, requestId, lastStatus, caller, opts.logs, opts.signal)), polls };
  }

  async #describe(
    model: string,
    requestId: string,
    status: QueueStatus,
    caller: KeyedCaller,
    withLogs: boolean,
    signal: AbortSignal,
  ): Promise<JobView> {
    const base: JobView = { model, request_id: requestId, status: status.status, media: [], notes: [] };
    if (withLogs && status.logs) base.logs = status.logs.slice(-50).map((l) => l.message);
    if (status.status !== 'COMPLETED') {
      if (typeof status.queue_position === 'number') base.queue_position = status.queue_position;
      base.next = { tool: 'check_job', arguments: { model, request_id: requestId } };
      return base;
    }
    if (typeof status.metrics?.inference_time === 'number')
      base.inference_seconds = status.metrics.inference_time;
    if (status.error || status.error_type) {
      const cancelled = /cancel/i.test(`${status.error_type ?? ''} ${status.error ?? ''}`);
      return {
        ...base,
        status: cancelled ? 'CANCELLED' : 'FAILED',
        error: status.error ?? 'the job failed',
        ...(status.error_type ? { error_type: status.error_type } : {}),
      };
    }
    try {
      const output = await fetchResult(this.deps.fal, model, requestId, caller.key, signal);
      const mapped = mapOutput(output);
      return {
        ...base,
        result: mapped.output,
        media: mapped.media,
        notes:
          mapped.omittedDataUris > 0
            ? [`${mapped.omittedDataUris} inline data URI(s) left out of the result.`]
            : [],
      };
    } catch (error) {
      // The model's own failure arrives on the result route with its status code.
      if (
        error instanceof FalError &&
        (error.kind === 'validation' || error.kind === 'unavailable') &&
        error.status
      ) {
        return {
          ...base,
          status: 'FAILED',
          error: error.message,
          ...(error.falType ? { error_type: error.falType } : {}),
        };
      }
      throw error;
    }
  }

  async cancel(model: string, requestId: string, caller: KeyedCaller, signal?: AbortSignal) {
    return cancelRequest(this.deps.fal, model, requestId, caller.key, signal);
  }
}

function progressMessage(requestId: string, status: QueueStatus): string {
  if (status.status === 'IN_QUEUE') {
    return `Request ${requestId}: in queue${typeof status.queue_position === 'number' ? `, position ${status.queue_position}` : ''}`;
  }
  if (status.status === 'IN_PROGRESS') {
    const last = status.logs?.at(-1)?.message;
    return `Request ${requestId}: running${last ? ` — ${last}` : ''}`;
  }
  return `Request ${requestId}: completed`;
}

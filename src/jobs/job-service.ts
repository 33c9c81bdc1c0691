import type { KeyedCaller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import { FalError } from '../fal/errors.js';
import { cancelRequest, fetchResult, fetchStatus, type QueueStatus } from '../fal/queue.js';
import { appOf, assertEndpointId, assertRequestId } from '../fal/queue-paths.js';
import type { ConcurrencyLimiter } from '../limits/concurrency.js';
import { resolveModel } from '../registry/resolve.js';
import type { FalHistory } from './fal-history.js';
import type { IdempotencyKeys } from './idempotency.js';
import type { JobRecord, Outcome } from './job-record.js';
import {
  FAL_RETENTION,
  failureOutcome,
  forgotten,
  type JobView,
  progressMessage,
  viewOfOutcome,
} from './job-view.js';
import { mapOutput } from './results.js';
import { type Submission, type SubmitRequest, Submitter, type SubmitterDeps } from './submitter.js';
import { waitForJob } from './wait.js';
import { type DeliveryVerdict, keepDelivery, type WebhookDelivery } from './webhook-outcomes.js';

export type { Submission, SubmitRequest } from './submitter.js';
export type { WebhookDelivery } from './webhook-outcomes.js';

export interface JobLimits {
  defaultWaitSeconds: number;
  maxWaitSeconds: number;
  serverMaxCostUsd: number | undefined;
  confirmAboveUsd?: number | undefined;
  maxInputBytes: number;
  /** FETCH_ALLOW_HOSTS: development hosts fal may be sent to although they look private. */
  allowHosts?: readonly string[] | undefined;
}

export interface JobDeps
  extends Omit<
    SubmitterDeps,
    'serverMaxCostUsd' | 'confirmAboveUsd' | 'maxInputBytes' | 'keys' | 'allowHosts'
  > {
  keys: IdempotencyKeys;
  limits: JobLimits;
  /** Jobs being waited on per tenant. */
  waits: ConcurrencyLimiter;
  /** fal's queue base URL, to tell a caller where to fetch a result too large to read here. */
  queueUrl: string;
  /** fal's request history: finds what fal's queue forgot, and which model a bare request id went to. */
  history?: Pick<FalHistory, 'recover' | 'modelOf'> | undefined;
}

export type ProgressSink = (progress: number, message: string) => Promise<void>;

/** Submit, wait, check and cancel fal queue jobs on behalf of one caller at a time. */
export class JobService {
  readonly #submitter: Submitter;

  constructor(private readonly deps: JobDeps) {
    this.#submitter = new Submitter({
      ...deps,
      serverMaxCostUsd: deps.limits.serverMaxCostUsd,
      confirmAboveUsd: deps.limits.confirmAboveUsd,
      maxInputBytes: deps.limits.maxInputBytes,
      allowHosts: deps.limits.allowHosts,
    });
  }

  submit(req: SubmitRequest, caller: KeyedCaller, signal?: AbortSignal): Promise<Submission> {
    return this.#submitter.submit(req, caller, signal);
  }

  /**
   * Which model a request belongs to, and this tenant's record of it. In
   * shared-key mode every holder runs on the operator's key, so fal cannot tell
   * them apart: only the tenant's own record lets a call touch a job.
   */
  async locate(
    caller: KeyedCaller,
    requestId: string,
    model: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ model: string; record: JobRecord | undefined }> {
    assertRequestId(requestId);
    const record = await this.deps.store.find(caller.tenant, requestId);
    if (record) return { model: model ? await this.resolveModelName(model) : record.model, record };
    if (caller.mode === 'shared-key') {
      throw new UserError(
        `Request ${requestId} is not among the jobs this access token started here (jobs are per access token on this server).`,
      );
    }
    if (model) return { model: await this.resolveModelName(model), record };
    const found = await this.deps.history?.modelOf(caller, requestId, signal);
    if (found) return { model: found, record };
    throw new UserError(
      `Request ${requestId} is not among this key's recent jobs here or in the fal request history this key can read; pass the model it was submitted to as well.`,
    );
  }

  /** One run of this input, estimated as a submit would state it (the figure every spend rule uses). */
  async estimate(model: string, input: Record<string, unknown>, caller: KeyedCaller, signal?: AbortSignal) {
    const { schema } = await this.deps.schemas.get(model, caller, signal);
    return this.deps.estimator.estimate(model, input, schema.input, caller, signal);
  }

  async resolveModelName(name: string): Promise<string> {
    const catalogue = await this.deps.registry.catalogue();
    return assertEndpointId(resolveModel(catalogue, name).id);
  }

  clampWait(seconds: number | undefined): number {
    const wanted = seconds ?? this.deps.limits.defaultWaitSeconds;
    return Math.max(0, Math.min(wanted, this.deps.limits.maxWaitSeconds));
  }

  /** Wait up to `waitSeconds` for a job, reporting progress, then describe it. A kept outcome answers at once. */
  async follow(
    model: string,
    requestId: string,
    caller: KeyedCaller,
    record: JobRecord | undefined,
    opts: {
      waitSeconds: number;
      logs: boolean;
      signal: AbortSignal;
      progress: ProgressSink;
      firstPollDelayMs?: number;
    },
  ): Promise<JobView & { polls: number }> {
    const kept = record?.outcome;
    if (kept && !kept.partial) return { ...viewOfOutcome(model, requestId, kept), polls: 0 };
    let status: QueueStatus;
    let polls = 1;
    try {
      if (opts.waitSeconds <= 0) {
        status = await fetchStatus(this.deps.fal, model, requestId, caller, { logs: opts.logs });
      } else {
        ({ status, polls } = await this.#wait(model, requestId, caller, opts));
      }
      return { ...(await this.#describe(model, requestId, status, caller, record, opts)), polls };
    } catch (error) {
      if (!(error instanceof FalError && error.kind === 'not_found')) throw error;
      // fal forgot the job. What this server kept (media links at least) still answers, or fal's history.
      if (kept) return { ...viewOfOutcome(model, requestId, kept), polls };
      const recovered = await this.deps.history?.recover(caller, model, requestId, opts.signal);
      if (!recovered) throw forgotten(model, requestId, record);
      const stored = await this.deps.store.keep(
        caller.tenant,
        record ?? { requestId, model, submittedAt: Date.now() },
        recovered,
      );
      return { ...viewOfOutcome(model, requestId, stored.outcome ?? recovered), polls };
    }
  }

  async #wait(
    model: string,
    requestId: string,
    caller: KeyedCaller,
    opts: { waitSeconds: number; signal: AbortSignal; progress: ProgressSink; firstPollDelayMs?: number },
  ) {
    const release = this.deps.waits.tryAcquire(caller.tenant);
    if (!release) {
      throw new UserError(
        `This key already has ${this.deps.waits.max} jobs being waited on here. Request ${requestId} is submitted; ` +
          'call check_job later (without wait_seconds), or use submit_job for batches.',
      );
    }
    let step = 0;
    const started = Date.now();
    return waitForJob(
      this.deps.fal,
      model,
      requestId,
      caller,
      {
        waitMs: opts.waitSeconds * 1000,
        signal: opts.signal,
        logs: true,
        onStatus: (status) => {
          step++;
          return opts.progress(step, progressMessage(requestId, status));
        },
        onQuiet: (last) => {
          step++;
          const seconds = Math.round((Date.now() - started) / 1000);
          return opts.progress(
            step,
            `${last ? progressMessage(requestId, last) : `Request ${requestId}: waiting for fal`} (${seconds} s)`,
          );
        },
        onFallback: (reason) =>
          this.deps.logger.info('status stream unavailable; polling', { requestId, reason }),
      },
      opts.firstPollDelayMs ?? 0,
    ).finally(release);
  }

  async #describe(
    model: string,
    requestId: string,
    status: QueueStatus,
    caller: KeyedCaller,
    record: JobRecord | undefined,
    opts: { logs: boolean; signal: AbortSignal },
  ): Promise<JobView> {
    const logs = opts.logs && status.logs ? { logs: status.logs.slice(-50).map((l) => l.message) } : {};
    if (status.status !== 'COMPLETED') {
      return {
        model,
        request_id: requestId,
        status: status.status,
        media: [],
        notes: [],
        ...logs,
        ...(typeof status.queue_position === 'number' ? { queue_position: status.queue_position } : {}),
      };
    }
    const inference = status.metrics?.inference_time ?? undefined;
    const outcome =
      status.error || status.error_type
        ? failureOutcome(status.error ?? 'the job failed', status.error_type ?? undefined, inference)
        : await this.#result(model, requestId, caller, inference, opts.signal);
    const kept = await this.deps.store.keep(
      caller.tenant,
      record ?? { requestId, model, submittedAt: Date.now() },
      outcome,
    );
    return { ...viewOfOutcome(model, requestId, kept.outcome ?? outcome), ...logs };
  }

  /** Fetch a completed job's output. A model's own failure arrives here, with its status code. */
  async #result(
    model: string,
    requestId: string,
    caller: KeyedCaller,
    inference: number | undefined,
    signal: AbortSignal,
  ): Promise<Outcome> {
    try {
      const mapped = mapOutput(await fetchResult(this.deps.fal, model, requestId, caller, signal));
      return {
        status: 'COMPLETED',
        result: mapped.output,
        media: mapped.media,
        ...(inference !== undefined ? { inference_seconds: inference } : {}),
        notes:
          mapped.omittedDataUris > 0
            ? [`${mapped.omittedDataUris} inline data URI(s) left out of the result.`]
            : [],
        keptAt: Date.now(),
      };
    } catch (error) {
      if (!(error instanceof FalError)) throw error;
      if (error.kind === 'too_large') throw this.#tooLarge(model, requestId, error);
      if (error.kind === 'busy') {
        throw new UserError(
          `${model} request ${requestId} completed, but ${error.message}. Nothing failed at fal: call check_job for it in a few seconds.`,
        );
      }
      const modelFailed =
        error.status !== undefined &&
        (error.modelBody || error.kind === 'validation' || error.status === 500);
      if (!modelFailed) throw error;
      return failureOutcome(error.message, error.falType, inference);
    }
  }

  #tooLarge(model: string, requestId: string, error: FalError): UserError {
    const url = `${this.deps.queueUrl}/${appOf(model)}/requests/${requestId}`;
    return new UserError(
      `${model} request ${requestId} completed, but ${error.message}. Fetch the result from fal directly with your key: ` +
        `curl -H "Authorization: Key $FAL_KEY" '${url}' (${FAL_RETENTION}).`,
    );
  }

  /** The tenant a webhook token was issued for (undefined: never issued here, or expired). */
  webhookTenant(token: string): Promise<string | undefined> {
    return this.deps.webhooks?.tenantOf(token) ?? Promise.resolve(undefined);
  }

  /** fal's webhook: keep the outcome for the tenant whose token it came on, whichever machine it reaches. */
  receiveWebhook(tenant: string, delivery: WebhookDelivery): Promise<DeliveryVerdict> {
    return keepDelivery(this.deps.store, this.deps.logger, tenant, delivery);
  }

  async cancel(model: string, requestId: string, caller: KeyedCaller, signal?: AbortSignal) {
    const said = { tenant: caller.tenant, tool: 'cancel_job', model, request_id: requestId };
    try {
      const outcome = await cancelRequest(this.deps.fal, model, requestId, caller, signal);
      this.deps.logger.audit('cancel', { ...said, outcome });
      return outcome;
    } catch (error) {
      this.deps.logger.audit('cancel', { ...said, outcome: 'failed' });
      throw error;
    }
  }
}

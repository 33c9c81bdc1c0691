import { createHash } from 'node:crypto';
import type { KeyedCaller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import type { FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { type Privacy, submitToQueue } from '../fal/queue.js';
import { assertEndpointId, assertRequestId } from '../fal/queue-paths.js';
import { canonical } from '../lib/canonical-json.js';
import { NICE_TO_HAVE_MS, settleWithin } from '../lib/deadline.js';
import type { JsonObject } from '../lib/is-object.js';
import type { Logger } from '../log.js';
import type { ModelSchemaService } from '../registry/model-schemas.js';
import type { ModelRegistry } from '../registry/registry.js';
import { resolveModel } from '../registry/resolve.js';
import { type DailyBudget, OverBudget } from './daily-budget.js';
import { assertFalCanFetch } from './fal-urls.js';
import type { IdempotencyKeys, Reservation } from './idempotency.js';
import { type Asked, type JobRecord, submittedRecord } from './job-record.js';
import type { JobStore } from './job-store.js';
import type { PendingUploads } from './pending-uploads.js';
import type { RunEstimator } from './run-estimator.js';
import { ConfirmationRequired, checkSpend, spendRulesApply } from './spend-guard.js';
import { validateInput } from './validate-input.js';
import type { WebhookTokens } from './webhook-tokens.js';

export interface SubmitRequest {
  model: string;
  input: Record<string, unknown>;
  webhookUrl?: string | undefined;
  maxCostUsd?: number | undefined;
  /** Ask the user above this estimate (per call; the operator's CONFIRM_COST_ABOVE_USD otherwise). */
  confirmAboveUsd?: number | undefined;
  /** This call carries the user's verified confirmation, or the client can ask for one. */
  spendConfirmed?: boolean;
  canConfirm?: boolean;
  idempotencyKey?: string | undefined;
  /** When the caller stops waiting (epoch ms): fal asking to retry later than that fails the call at once. */
  deadline?: number | undefined;
  /** The tool submitting, and what the caller asked of the result: kept on the job record. */
  tool?: string | undefined;
  asked?: Asked | undefined;
  /** What fal keeps of this run; the operator's defaults fill what is not said. */
  privacy?: Privacy | undefined;
}

export interface Submission {
  record: JobRecord;
  /** False when an idempotency key returned an earlier job instead of submitting. */
  fresh: boolean;
  queuePosition: number | undefined;
  notes: string[];
}

export interface SubmitterDeps {
  fal: FalClient;
  registry: ModelRegistry;
  schemas: ModelSchemaService;
  store: JobStore;
  keys: IdempotencyKeys;
  logger: Logger;
  serverMaxCostUsd: number | undefined;
  /** CONFIRM_COST_ABOVE_USD: estimates above it need the user's confirmation. */
  confirmAboveUsd?: number | undefined;
  maxInputBytes: number;
  /** fal's webhook to this server (`<PUBLIC_URL>/webhooks/fal/<token>`), so results are kept as jobs end. */
  webhooks: WebhookTokens | undefined;
  /** FETCH_ALLOW_HOSTS: `host:port` pairs fal may be sent to although they look private (development). */
  allowHosts?: readonly string[] | undefined;
  /** Upload slots handed out and maybe not filled yet: a run using one waits for the file. */
  pendingUploads?: PendingUploads | undefined;
  /** The one cost estimate every spend rule and every result states. */
  estimator: RunEstimator;
  /** TENANT_DAILY_BUDGET_USD: each tenant's estimated spend per UTC day. */
  budget?: DailyBudget | undefined;
  /** FAL_STORE_PAYLOADS, FAL_MEDIA_EXPIRATION_SECONDS. */
  privacy?: { storePayload: boolean; expirationSeconds: number | undefined } | undefined;
}

/**
 * Validate, guard the spend, honour the idempotency key, submit exactly once.
 * A submit is never retried except on a 429 (fal answers it before accepting),
 * and one cut off after it was sent holds its idempotency key as "outcome unknown".
 */
export class Submitter {
  readonly #inflight = new Map<
    string,
    { fingerprint: string; model: string; pending: Promise<Submission> }
  >();

  constructor(private readonly deps: SubmitterDeps) {}

  async submit(req: SubmitRequest, caller: KeyedCaller, signal?: AbortSignal): Promise<Submission> {
    // First of all: fal could not fetch a private URL anyway, and nothing should be looked up for it.
    assertFalCanFetch(
      { ...req.input, ...(req.webhookUrl ? { webhook_url: req.webhookUrl } : {}) },
      this.deps.allowHosts,
    );
    // A file the caller has not uploaded yet would fail at fal after billing.
    await this.deps.pendingUploads?.assertUploaded(req.input, signal);
    const catalogue = await this.deps.registry.catalogue();
    const resolved = resolveModel(catalogue, req.model);
    const model = assertEndpointId(resolved.id);
    const notes = resolved.note ? [resolved.note] : [];
    const size = Buffer.byteLength(JSON.stringify(req.input));
    if (size > this.deps.maxInputBytes) {
      throw new UserError(
        `The input is ${size} bytes; the limit is ${this.deps.maxInputBytes}. Pass large data as file URLs (upload_file).`,
      );
    }
    const privacy = this.#privacyOf(req);
    // The same input kept or not kept by fal is different work under one idempotency key.
    const kept = privacy.storePayload && privacy.expirationSeconds === undefined;
    const fingerprint = createHash('sha256')
      .update(`${model}\n${canonical(req.input)}`)
      .update(kept ? '' : `\nprivacy ${privacy.storePayload} ${privacy.expirationSeconds ?? ''}`)
      .digest('hex');
    req = { ...req, privacy };
    const work = { model, fingerprint, notes };
    if (!req.idempotencyKey) return this.#once(work, req, caller, signal);
    // Concurrent retries with one key on this machine share one submit; other work under it is refused.
    const slot = `${caller.tenant}\n${req.idempotencyKey}`;
    const running = this.#inflight.get(slot);
    if (running) {
      if (running.fingerprint !== fingerprint) {
        throw new UserError(
          `idempotency_key "${req.idempotencyKey}" is in use right now by a call for different work (${running.model}); nothing was submitted. Use a new key for new work.`,
        );
      }
      return running.pending;
    }
    const pending = this.#once(work, req, caller, signal).finally(() => this.#inflight.delete(slot));
    this.#inflight.set(slot, { fingerprint, model, pending });
    return pending;
  }

  async #once(
    work: { model: string; fingerprint: string; notes: string[] },
    req: SubmitRequest,
    caller: KeyedCaller,
    signal?: AbortSignal,
  ): Promise<Submission> {
    const { model, fingerprint, notes } = work;
    const reservation = req.idempotencyKey
      ? await this.deps.keys.reserve(caller.tenant, req.idempotencyKey, fingerprint, model, signal)
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
      return await this.#checkedSubmit(model, req, caller, fingerprint, notes, reservation, signal);
    } catch (error) {
      const cutOff = error instanceof FalError && error.ambiguous;
      if (reservation && cutOff) await this.deps.keys.markUnknown(reservation, fingerprint, model);
      else if (reservation) await this.deps.keys.release(reservation);
      if (cutOff) {
        this.deps.logger.warn('submit outcome unknown', { tenant: caller.tenant, model, error });
        throw submitCutOff(model, error, req.idempotencyKey);
      }
      throw error;
    }
  }

  async #checkedSubmit(
    model: string,
    req: SubmitRequest,
    caller: KeyedCaller,
    fingerprint: string,
    notes: string[],
    reservation: Extract<Reservation, { kind: 'reserved' }> | undefined,
    signal?: AbortSignal,
  ): Promise<Submission> {
    const schema = await this.#validate(model, req.input, caller, notes, signal);
    const rules = {
      callerCapUsd: req.maxCostUsd,
      serverCapUsd: this.deps.serverMaxCostUsd,
      // A per-call threshold can only be stricter than the operator's.
      confirmAboveUsd: minDefined(req.confirmAboveUsd, this.deps.confirmAboveUsd),
      confirmed: req.spendConfirmed === true,
      canConfirm: req.canConfirm === true,
    };
    const estimating = this.deps.estimator.estimate(model, req.input, schema ?? {}, caller, signal);
    // A rule (a cap, a confirmation, the daily budget) waits for the figure it needs; otherwise a
    // slow pricing API does not hold the run up.
    const { estimate, why }: Awaited<typeof estimating> =
      spendRulesApply(rules) || this.deps.budget
        ? await estimating
        : await settleWithin(estimating, NICE_TO_HAVE_MS, { why: 'fal did not price it in time' });
    const audit = (outcome: string, more: { reason?: string; request_id?: string } = {}) =>
      this.deps.logger.audit('submit', {
        tenant: caller.tenant,
        tool: req.tool,
        model,
        estimate_usd: estimate?.usd,
        outcome,
        ...more,
      });
    await checkSpend(model, estimate, why, rules, (cap) =>
      this.deps.estimator.fitting(model, req.input, schema ?? {}, cap, caller, signal),
    ).catch((error: unknown) => {
      audit('refused', { reason: error instanceof ConfirmationRequired ? 'needs_confirmation' : 'over_cap' });
      throw error;
    });
    if (!estimate) notes.push(`The cost could not be estimated (${why}).`);
    if (signal?.aborted) throw new UserError('The call was cancelled before anything was submitted.');

    const ours = req.webhookUrl ? undefined : await this.deps.webhooks?.issue(caller.tenant);
    const send = () =>
      submitToQueue(this.deps.fal, model, req.input, caller, {
        webhookUrl: req.webhookUrl ?? ours,
        deadline: req.deadline,
        privacy: req.privacy,
      });
    const { budget } = this.deps;
    const submitted = await (budget
      ? budget.within(caller.tenant, model, estimate, why, send)
      : send()
    ).catch((error: unknown) => {
      if (error instanceof OverBudget) audit('refused', { reason: 'over_budget' });
      else audit(error instanceof FalError && error.ambiguous ? 'unknown' : 'failed');
      throw error;
    });
    const record = submittedRecord(assertRequestId(submitted.request_id), model, req, estimate);
    audit('submitted', { request_id: record.requestId });
    await this.deps.store.remember(caller.tenant, record, { indexOwner: ours !== undefined });
    if (reservation && !(await this.deps.keys.complete(reservation, record, fingerprint))) {
      notes.push(
        'The idempotency_key could not be recorded (shared store unreachable): a retry with it may submit again.',
      );
    }
    this.deps.logger.info('job submitted', { tenant: caller.tenant, model, requestId: record.requestId });
    return { record, fresh: true, queuePosition: submitted.queue_position ?? undefined, notes };
  }

  /** The caller's privacy wishes, the operator's defaults where the caller is silent. */
  #privacyOf(req: SubmitRequest): Required<Pick<Privacy, 'storePayload'>> & Privacy {
    const defaults = this.deps.privacy;
    return {
      storePayload: req.privacy?.storePayload ?? defaults?.storePayload ?? true,
      expirationSeconds: req.privacy?.expirationSeconds ?? defaults?.expirationSeconds,
    };
  }

  /** Check the input against the model's schema; the schema's input part (undefined when fal is unavailable). */
  async #validate(
    model: string,
    input: Record<string, unknown>,
    caller: KeyedCaller,
    notes: string[],
    signal?: AbortSignal,
  ): Promise<JsonObject | undefined> {
    let schema: Awaited<ReturnType<ModelSchemaService['get']>>['schema'] | undefined;
    try {
      schema = (await this.deps.schemas.get(model, caller, signal)).schema;
    } catch (error) {
      if (error instanceof FalError && error.kind === 'unavailable') {
        notes.push(
          'The input was not checked locally: the model schema could not be fetched (fal unavailable).',
        );
        return undefined;
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
    return schema.input;
  }
}

/** A submit sent and then cut off: say that it may be running, and how to go on without paying twice. */
function submitCutOff(model: string, error: FalError, idempotencyKey: string | undefined): UserError {
  return new UserError(
    `The submit to ${model} was cut off after it was sent (${error.message}), so whether fal accepted it is unknown: ` +
      'it may be running at fal, and billing. Nothing was submitted again. ' +
      (idempotencyKey
        ? `A retry with idempotency_key "${idempotencyKey}" will not submit it again; to run it anyway, use a new idempotency_key.`
        : 'Look for it among your requests on the fal dashboard before calling again; pass idempotency_key to make retries safe.'),
  );
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined ? b : b === undefined ? a : Math.min(a, b);
}

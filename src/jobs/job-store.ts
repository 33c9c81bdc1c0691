import * as v from 'valibot';
import { LruTtlCache } from '../lib/lru.js';
import type { SharedStore } from '../store/store.js';
import { ignoreUnavailable } from './idempotency.js';
import { JobIndex } from './job-index.js';
import { type JobRecord, JobRecordSchema, type Outcome, OutcomeSchema, parseStored } from './job-record.js';

export type { JobRecord, Outcome } from './job-record.js';

export interface JobStoreOptions {
  ttlMs?: number;
  maxLocalJobs?: number;
  /** Largest kept outcome (JSON bytes); a larger output keeps its media links only. */
  maxOutcomeBytes?: number;
  /**
   * Where outcomes go (default: the same store). In memory they get a store of
   * their own, so a tenant's many large outputs can only push out other outputs,
   * never idempotency keys or job records.
   */
  outcomes?: SharedStore;
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60_000;
const OwnerSchema = v.object({ tenant: v.string(), model: v.string() });

/**
 * Job records per tenant, in the shared store so any machine can answer for any
 * job, and each job's outcome once it is known (fal forgets it after an hour).
 * Records are also kept locally when the store is remote, so the submitting
 * machine still knows its jobs if the store goes away (fail open).
 */
export class JobStore {
  readonly #store: SharedStore;
  readonly #outcomes: SharedStore;
  readonly #local: LruTtlCache<string, JobRecord> | undefined;
  readonly #opts: Required<Omit<JobStoreOptions, 'outcomes'>>;
  /** Each tenant's jobs and uploads, newest first (list_jobs). */
  readonly index: JobIndex;

  constructor(store: SharedStore, options: JobStoreOptions = {}) {
    this.#store = store;
    this.#outcomes = options.outcomes ?? store;
    this.#opts = {
      ttlMs: options.ttlMs ?? DAY_MS,
      maxLocalJobs: options.maxLocalJobs ?? 20_000,
      maxOutcomeBytes: options.maxOutcomeBytes ?? 256 * 1024,
      now: options.now ?? Date.now,
    };
    this.index = new JobIndex(store);
    this.#local = store.shared ? new LruTtlCache(this.#opts.maxLocalJobs, this.#opts.ttlMs) : undefined;
  }

  /**
   * Record a job. With `indexOwner`, the request id alone also finds its tenant:
   * fal's webhook names only the request, and must reach the right record.
   */
  async remember(tenant: string, record: JobRecord, options: { indexOwner?: boolean } = {}): Promise<void> {
    await this.#write(tenant, record);
    await this.index.add(tenant, {
      kind: 'job',
      id: record.requestId,
      model: record.model,
      at: record.submittedAt,
    });
    if (options.indexOwner) {
      const owner = JSON.stringify({ tenant, model: record.model });
      await this.#store.set(ownerKey(record.requestId), owner, this.#ttl(record)).catch(ignoreUnavailable);
    }
  }

  /** This tenant's record of a request, with its outcome when one was kept. */
  async find(tenant: string, requestId: string): Promise<JobRecord | undefined> {
    const key = jobKey(tenant, requestId);
    const record =
      this.#local?.get(key) ??
      parseStored(JobRecordSchema, await this.#store.get(key).catch(ignoreUnavailable));
    if (!record) return undefined;
    const outcome = parseStored(
      OutcomeSchema,
      await this.#outcomes.get(outcomeKey(tenant, requestId)).catch(ignoreUnavailable),
    );
    return outcome ? { ...record, outcome } : record;
  }

  /** Who submitted a request through this server with our webhook (undefined: not ours, or forgotten). */
  async owner(requestId: string): Promise<{ tenant: string; model: string } | undefined> {
    return parseStored(OwnerSchema, await this.#store.get(ownerKey(requestId)).catch(ignoreUnavailable));
  }

  /** Keep how the job ended, for the rest of the record's life. An outcome already kept wins. */
  async keep(tenant: string, record: JobRecord, outcome: Outcome): Promise<JobRecord> {
    const current = await this.find(tenant, record.requestId);
    if (current?.outcome && !current.outcome.partial) return current;
    // A job first seen here (check_job with its model) gets its record now.
    if (!current) await this.#write(tenant, record);
    const base = current ?? record;
    const fitted = shrinkToFit(outcome, this.#opts.maxOutcomeBytes);
    await this.#outcomes
      .set(outcomeKey(tenant, record.requestId), JSON.stringify(fitted), this.#ttl(base))
      .catch(ignoreUnavailable);
    return { ...base, outcome: fitted };
  }

  /** Its payloads were deleted at fal: the record stays, marked so; the kept outcome (media links) goes. */
  async forgetOutcome(tenant: string, requestId: string): Promise<void> {
    await this.#outcomes.delete(outcomeKey(tenant, requestId)).catch(ignoreUnavailable);
    const record = await this.find(tenant, requestId);
    if (record && !record.payloadsDeleted) await this.#write(tenant, { ...record, payloadsDeleted: true });
  }

  /** The record alone: outcomes are kept apart (see `outcomes`). */
  async #write(tenant: string, record: JobRecord): Promise<void> {
    const { outcome: _outcome, ...bare } = record;
    const key = jobKey(tenant, record.requestId);
    this.#local?.set(key, bare);
    await this.#store.set(key, JSON.stringify(bare), this.#ttl(bare)).catch(ignoreUnavailable);
  }

  /** A record lives a day from its submission, however often it is rewritten. */
  #ttl(record: JobRecord): number {
    return Math.max(1000, record.submittedAt + this.#opts.ttlMs - this.#opts.now());
  }
}

/** An output too large to keep whole keeps its media links, and says so. */
function shrinkToFit(outcome: Outcome, maxBytes: number): Outcome {
  const size = Buffer.byteLength(JSON.stringify(outcome));
  if (size <= maxBytes || outcome.result === undefined) return outcome;
  const { result: _dropped, ...rest } = outcome;
  return { ...rest, partial: true };
}

const jobKey = (tenant: string, requestId: string) => `job:${tenant}:${requestId}`;
const outcomeKey = (tenant: string, requestId: string) => `outcome:${tenant}:${requestId}`;
const ownerKey = (requestId: string) => `owner:${requestId}`;

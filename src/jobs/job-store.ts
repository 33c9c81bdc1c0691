import * as v from 'valibot';
import { LruTtlCache } from '../registry/lru.js';
import type { SharedStore } from '../store/store.js';
import { ignoreUnavailable } from './idempotency.js';
import { type JobRecord, JobRecordSchema, type Outcome, parseStored } from './job-record.js';

export type { JobRecord, Outcome } from './job-record.js';

export interface JobStoreOptions {
  ttlMs?: number;
  maxLocalJobs?: number;
  /** Largest kept outcome (JSON bytes); a larger output keeps its media links only. */
  maxOutcomeBytes?: number;
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60_000;
const OwnerSchema = v.object({ tenant: v.string(), model: v.string() });

/**
 * Job records per tenant, in the shared store so any machine can answer for any
 * job, with the job's outcome once it is known (fal forgets it after an hour).
 * Records are also kept locally when the store is remote, so the submitting
 * machine still knows its jobs if the store goes away (fail open).
 */
export class JobStore {
  readonly #store: SharedStore;
  readonly #local: LruTtlCache<string, JobRecord> | undefined;
  readonly #opts: Required<JobStoreOptions>;

  constructor(store: SharedStore, options: JobStoreOptions = {}) {
    this.#store = store;
    this.#opts = {
      ttlMs: DAY_MS,
      maxLocalJobs: 20_000,
      maxOutcomeBytes: 256 * 1024,
      now: Date.now,
      ...options,
    };
    this.#local = store.shared ? new LruTtlCache(this.#opts.maxLocalJobs, this.#opts.ttlMs) : undefined;
  }

  get maxOutcomeBytes(): number {
    return this.#opts.maxOutcomeBytes;
  }

  /**
   * Record a job. With `indexOwner`, the request id alone also finds its tenant:
   * fal's webhook names only the request, and must reach the right record.
   */
  async remember(tenant: string, record: JobRecord, options: { indexOwner?: boolean } = {}): Promise<void> {
    await this.#write(tenant, record);
    if (options.indexOwner) {
      const owner = JSON.stringify({ tenant, model: record.model });
      await this.#store.set(ownerKey(record.requestId), owner, this.#ttl(record)).catch(ignoreUnavailable);
    }
  }

  async find(tenant: string, requestId: string): Promise<JobRecord | undefined> {
    const key = jobKey(tenant, requestId);
    const local = this.#local?.get(key);
    if (local) return local;
    const raw = await this.#store.get(key).catch(ignoreUnavailable);
    return parseStored(JobRecordSchema, raw);
  }

  /** Who submitted a request through this server with our webhook (undefined: not ours, or forgotten). */
  async owner(requestId: string): Promise<{ tenant: string; model: string } | undefined> {
    return parseStored(OwnerSchema, await this.#store.get(ownerKey(requestId)).catch(ignoreUnavailable));
  }

  /** Keep how the job ended, for the rest of the record's life. An outcome already kept wins. */
  async keep(tenant: string, record: JobRecord, outcome: Outcome): Promise<JobRecord> {
    const current = (await this.find(tenant, record.requestId)) ?? record;
    if (current.outcome && !current.outcome.partial) return current;
    const kept: JobRecord = { ...current, outcome: shrinkToFit(outcome, this.#opts.maxOutcomeBytes) };
    await this.#write(tenant, kept);
    return kept;
  }

  async #write(tenant: string, record: JobRecord): Promise<void> {
    const key = jobKey(tenant, record.requestId);
    this.#local?.set(key, record);
    await this.#store.set(key, JSON.stringify(record), this.#ttl(record)).catch(ignoreUnavailable);
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
const ownerKey = (requestId: string) => `owner:${requestId}`;

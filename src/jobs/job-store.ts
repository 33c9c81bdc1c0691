import { LruTtlCache } from '../registry/lru.js';

export interface JobRecord {
  requestId: string;
  model: string;
  submittedAt: number;
  /** Set when an idempotency key created this job. */
  idempotencyKey: string | undefined;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Recent jobs per tenant, so check_job can fill in what the caller omits, and
 * idempotency keys per tenant. Bounded and expiring: this is a convenience
 * index, not storage: fal stays the source of truth for every job.
 */
export class JobStore {
  readonly #jobs: LruTtlCache<string, JobRecord>;
  readonly #idempotency: LruTtlCache<string, { record: JobRecord; fingerprint: string }>;

  constructor(options: { maxJobs?: number; ttlMs?: number; now?: () => number } = {}) {
    const ttl = options.ttlMs ?? DAY_MS;
    this.#jobs = new LruTtlCache(options.maxJobs ?? 20_000, ttl, options.now);
    this.#idempotency = new LruTtlCache(options.maxJobs ?? 20_000, ttl, options.now);
  }

  remember(tenant: string, record: JobRecord, fingerprint?: string): void {
    this.#jobs.set(`${tenant}\n${record.requestId}`, record);
    if (record.idempotencyKey && fingerprint) {
      this.#idempotency.set(`${tenant}\n${record.idempotencyKey}`, { record, fingerprint });
    }
  }

  find(tenant: string, requestId: string): JobRecord | undefined {
    return this.#jobs.get(`${tenant}\n${requestId}`);
  }

  byIdempotencyKey(tenant: string, key: string): { record: JobRecord; fingerprint: string } | undefined {
    return this.#idempotency.get(`${tenant}\n${key}`);
  }
}

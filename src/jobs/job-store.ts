import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { UserError } from '../mcp/errors.js';
import { LruTtlCache } from '../registry/lru.js';
import { type SharedStore, StoreUnavailableError } from '../store/store.js';

const JobRecordSchema = v.object({
  requestId: v.string(),
  model: v.string(),
  submittedAt: v.number(),
  /** Set when an idempotency key created this job. */
  idempotencyKey: v.optional(v.string()),
});
export type JobRecord = v.InferOutput<typeof JobRecordSchema>;

// An idempotency key is "pending" while one request submits under it, then "done" with the job.
const IdempotencyEntrySchema = v.variant('state', [
  v.object({ state: v.literal('pending'), fingerprint: v.string(), model: v.string(), owner: v.string() }),
  v.object({ state: v.literal('done'), fingerprint: v.string(), record: JobRecordSchema }),
]);

export type Reservation =
  /** This request owns the key: submit, then complete() or release(). */
  | { kind: 'reserved'; key: string; claim: string }
  /** The key already made this job: return it, submit nothing. */
  | { kind: 'earlier'; record: JobRecord };

export interface JobStoreOptions {
  ttlMs?: number;
  /** A submit that dies mid-way holds its key this long at most. */
  pendingTtlMs?: number;
  /** How long a retry waits for another request's submit under the same key. */
  pendingWaitMs?: number;
  pollMs?: number;
  maxLocalJobs?: number;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Job records and idempotency keys per tenant, in the shared store so any
 * machine can answer for any job. A convenience index, not storage: fal stays
 * the source of truth for every job. Records are also kept locally when the
 * store is remote, so the submitting machine still knows its jobs if the store
 * goes away (fail open); idempotency keys fail closed (see docs/scaling.md).
 */
export class JobStore {
  readonly #store: SharedStore;
  readonly #local: LruTtlCache<string, JobRecord> | undefined;
  readonly #opts: Required<JobStoreOptions>;

  constructor(store: SharedStore, options: JobStoreOptions = {}) {
    this.#store = store;
    this.#opts = {
      ttlMs: DAY_MS,
      pendingTtlMs: 120_000,
      pendingWaitMs: 15_000,
      pollMs: 100,
      maxLocalJobs: 20_000,
      ...options,
    };
    this.#local = store.shared ? new LruTtlCache(this.#opts.maxLocalJobs, this.#opts.ttlMs) : undefined;
  }

  async remember(tenant: string, record: JobRecord): Promise<void> {
    const key = jobKey(tenant, record.requestId);
    this.#local?.set(key, record);
    await this.#store.set(key, JSON.stringify(record), this.#opts.ttlMs).catch(ignoreUnavailable);
  }

  async find(tenant: string, requestId: string): Promise<JobRecord | undefined> {
    const key = jobKey(tenant, requestId);
    const local = this.#local?.get(key);
    if (local) return local;
    const raw = await this.#store.get(key).catch(ignoreUnavailable);
    return parse(JobRecordSchema, raw);
  }

  /**
   * Claim an idempotency key for one submit, or find the job it already made.
   * Another request submitting under the key right now is waited for.
   * Throws UserError when the key was used for other work or cannot be checked.
   */
  async reserve(
    tenant: string,
    idempotencyKey: string,
    fingerprint: string,
    model: string,
    signal?: AbortSignal,
  ): Promise<Reservation> {
    const key = `idem:${tenant}:${idempotencyKey}`;
    const claim = JSON.stringify({ state: 'pending', fingerprint, model, owner: randomUUID() });
    const deadline = Date.now() + this.#opts.pendingWaitMs;
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) {
          if (Date.now() >= deadline || signal?.aborted) {
            throw new UserError(
              `Another request with idempotency_key "${idempotencyKey}" is still being submitted. Nothing new was submitted; call again in a few seconds to get its job.`,
            );
          }
          await new Promise((resolve) => setTimeout(resolve, this.#opts.pollMs));
        }
        if (await this.#store.setIfAbsent(key, claim, this.#opts.pendingTtlMs)) {
          return { kind: 'reserved', key, claim };
        }
        const raw = await this.#store.get(key);
        if (raw === undefined) continue; // expired between the two calls: claim again
        const entry = parse(IdempotencyEntrySchema, raw);
        const usedFor = entry?.state === 'done' ? entry.record.model : entry?.model;
        if (!entry || entry.fingerprint !== fingerprint) {
          throw new UserError(
            `idempotency_key "${idempotencyKey}" was already used for a different request${usedFor ? ` (${usedFor})` : ''}. Use a new key for new work.`,
          );
        }
        if (entry.state === 'done') return { kind: 'earlier', record: entry.record };
        // Pending under the same request: another machine is submitting it; wait for its job.
      }
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        // Fail closed: without the shared record, a retry on another machine could run (and bill) twice.
        throw new UserError(
          'idempotency_key cannot be honoured right now: the shared store that remembers keys across machines is unreachable. ' +
            'Nothing was submitted. Retry shortly, or submit without idempotency_key if a duplicate run is acceptable.',
        );
      }
      throw error;
    }
  }

  /** The submit succeeded: the key now names this job. False when the store could not record it. */
  async complete(reservation: { key: string }, record: JobRecord, fingerprint: string): Promise<boolean> {
    const entry = JSON.stringify({ state: 'done', fingerprint, record });
    return this.#store.set(reservation.key, entry, this.#opts.ttlMs).then(
      () => true,
      (error: unknown) => ignoreUnavailable(error) ?? false,
    );
  }

  /** The submit failed: free the key so a retry can submit. If the store is down, the claim expires by itself. */
  async release(reservation: { key: string; claim: string }): Promise<void> {
    await this.#store.deleteIfEquals(reservation.key, reservation.claim).catch(ignoreUnavailable);
  }
}

function jobKey(tenant: string, requestId: string): string {
  return `job:${tenant}:${requestId}`;
}

/** Entries come back from a store other processes write to: check them, and treat garbage as absent. */
function parse<S extends v.GenericSchema>(schema: S, raw: string | undefined): v.InferOutput<S> | undefined {
  if (raw === undefined) return undefined;
  try {
    const result = v.safeParse(schema, JSON.parse(raw));
    return result.success ? result.output : undefined;
  } catch {
    return undefined;
  }
}

/** Store outages are reported by the store itself (log, /ready); here they only mean "no answer". */
function ignoreUnavailable(error: unknown): undefined {
  if (error instanceof StoreUnavailableError) return undefined;
  throw error;
}

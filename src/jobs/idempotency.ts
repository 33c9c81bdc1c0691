import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { UserError } from '../errors.js';
import { type SharedStore, StoreUnavailableError } from '../store/store.js';
import { type JobRecord, JobRecordSchema, parseStored } from './job-record.js';

// A key is "pending" while one request submits under it, "done" with the job it
// made, or "unknown" when its submit was cut off after being sent: fal may have
// accepted it, so the key must never submit again.
const EntrySchema = v.variant('state', [
  v.object({ state: v.literal('pending'), fingerprint: v.string(), model: v.string(), owner: v.string() }),
  v.object({ state: v.literal('done'), fingerprint: v.string(), record: JobRecordSchema }),
  v.object({ state: v.literal('unknown'), fingerprint: v.string(), model: v.string(), at: v.number() }),
]);

export type Reservation =
  /** This request owns the key: submit, then complete(), release() or markUnknown(). */
  | { kind: 'reserved'; key: string; claim: string }
  /** The key already made this job: return it, submit nothing. */
  | { kind: 'earlier'; record: JobRecord };

export interface IdempotencyOptions {
  ttlMs?: number;
  /** A submit that dies mid-way holds its key this long at most. */
  pendingTtlMs?: number;
  /** How long a retry waits for another request's submit under the same key. */
  pendingWaitMs?: number;
  pollMs?: number;
  now?: () => number;
}

const DAY_MS = 24 * 60 * 60_000;

/**
 * Idempotency keys per tenant, in the shared store so a retry on any machine
 * finds the first attempt. Fails closed: a key that cannot be checked is not
 * honoured (a retry elsewhere could bill twice), see docs/scaling.md.
 */
export class IdempotencyKeys {
  readonly #store: SharedStore;
  readonly #opts: Required<IdempotencyOptions>;

  constructor(store: SharedStore, options: IdempotencyOptions = {}) {
    this.#store = store;
    this.#opts = {
      ttlMs: DAY_MS,
      pendingTtlMs: 120_000,
      pendingWaitMs: 15_000,
      pollMs: 100,
      now: Date.now,
      ...options,
    };
  }

  /**
   * Claim a key for one submit, or find the job it already made. Another request
   * submitting under the key right now is waited for. Throws UserError when the
   * key was used for other work, its first submit has an unknown outcome, or it cannot be checked.
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
    const deadline = this.#opts.now() + this.#opts.pendingWaitMs;
    try {
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) {
          if (this.#opts.now() >= deadline || signal?.aborted) {
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
        const entry = parseStored(EntrySchema, raw);
        const usedFor = entry?.state === 'done' ? entry.record.model : entry?.model;
        if (!entry || entry.fingerprint !== fingerprint) {
          throw new UserError(
            `idempotency_key "${idempotencyKey}" was already used for a different request${usedFor ? ` (${usedFor})` : ''}. Use a new key for new work.`,
          );
        }
        if (entry.state === 'done') return { kind: 'earlier', record: entry.record };
        if (entry.state === 'unknown') throw outcomeUnknown(idempotencyKey, entry.model, entry.at);
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
    return this.#write(reservation.key, { state: 'done', fingerprint, record });
  }

  /** The submit was refused before fal accepted anything: free the key so a retry can submit. */
  async release(reservation: { key: string; claim: string }): Promise<void> {
    await this.#store.deleteIfEquals(reservation.key, reservation.claim).catch(ignoreUnavailable);
  }

  /**
   * The submit was sent and then cut off (timeout, reset): fal may be running it.
   * The key stays held for its whole lifetime so no retry submits it again.
   */
  async markUnknown(reservation: { key: string }, fingerprint: string, model: string): Promise<boolean> {
    return this.#write(reservation.key, { state: 'unknown', fingerprint, model, at: this.#opts.now() });
  }

  async #write(key: string, entry: v.InferInput<typeof EntrySchema>): Promise<boolean> {
    return this.#store.set(key, JSON.stringify(entry), this.#opts.ttlMs).then(
      () => true,
      (error: unknown) => ignoreUnavailable(error) ?? false,
    );
  }
}

/** What a retry under a key whose first submit has an unknown outcome is told. */
export function outcomeUnknown(idempotencyKey: string, model: string, at: number): UserError {
  return new UserError(
    `idempotency_key "${idempotencyKey}": its first submit to ${model} (${new Date(at).toISOString()}) was cut off after it was sent, ` +
      'so whether fal accepted it is unknown: it may be running at fal, and billing. Nothing new was submitted. ' +
      'Look for it in your requests on the fal dashboard; to run it anyway, call again with a new idempotency_key.',
  );
}

/** Store outages are reported by the store itself (log, /ready); here they only mean "no answer". */
export function ignoreUnavailable(error: unknown): undefined {
  if (error instanceof StoreUnavailableError) return undefined;
  throw error;
}

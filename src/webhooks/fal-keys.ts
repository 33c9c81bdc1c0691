import { createPublicKey, type KeyObject } from 'node:crypto';
import * as v from 'valibot';

const Jwks = v.object({
  keys: v.array(v.looseObject({ kty: v.string(), crv: v.optional(v.string()), x: v.optional(v.string()) })),
});

const DAY_MS = 24 * 60 * 60_000;
/** A signature no known key verifies may mean fal rotated its keys: look again, at most this often. */
const REFETCH_MS = 5 * 60_000;
const MAX_JWKS_BYTES = 64 * 1024;
/** After a failed fetch, deliveries are refused without asking again for this long (a negative cache). */
const RETRY_AFTER_FAILURE_MS = 30_000;

/**
 * fal's webhook signing keys (Ed25519, as a JWKS), cached for a day and fetched
 * once however many deliveries arrive together.
 */
export class FalWebhookKeys {
  #keys: KeyObject[] = [];
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<KeyObject[]> | undefined;
  #failedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly url: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached keys, fetched when there are none or they are a day old. */
  current(): Promise<KeyObject[]> {
    if (this.#keys.length > 0 && this.now() - this.#fetchedAt < DAY_MS) return Promise.resolve(this.#keys);
    // Keys from yesterday still verify while fal's key set is unreachable; none at all: refuse, unasked.
    if (this.now() - this.#failedAt < RETRY_AFTER_FAILURE_MS) {
      return this.#keys.length > 0
        ? Promise.resolve(this.#keys)
        : Promise.reject(new Error("fal's webhook keys were unreachable moments ago"));
    }
    return this.#refresh().catch((error: unknown) => {
      if (this.#keys.length > 0) return this.#keys;
      throw error;
    });
  }

  /** Fetch again after a failed verification, unless that was done in the last few minutes. */
  async afterMiss(): Promise<KeyObject[] | undefined> {
    if (this.now() - this.#fetchedAt < REFETCH_MS) return undefined;
    return this.#refresh();
  }

  #refresh(): Promise<KeyObject[]> {
    this.#pending ??= this.#fetch()
      .catch((error: unknown) => {
        this.#failedAt = this.now();
        throw error;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }

  async #fetch(): Promise<KeyObject[]> {
    this.#fetchedAt = this.now();
    const response = await this.fetchImpl(this.url, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(5000),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`fal's webhook keys answered HTTP ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error("fal's webhook key set is implausibly large");
    const parsed = v.safeParse(Jwks, JSON.parse(text));
    if (!parsed.success) throw new Error("fal's webhook key set is not a JWKS");
    const keys = parsed.output.keys.flatMap((k) => {
      if (k.kty !== 'OKP' || k.crv !== 'Ed25519' || !k.x) return [];
      try {
        return [createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: k.x }, format: 'jwk' })];
      } catch {
        return [];
      }
    });
    if (keys.length > 0) this.#keys = keys;
    return this.#keys;
  }
}

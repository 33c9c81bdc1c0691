import { createPublicKey, type KeyObject } from 'node:crypto';
import * as v from 'valibot';

const Jwks = v.object({
  keys: v.array(v.looseObject({ kty: v.string(), crv: v.optional(v.string()), x: v.optional(v.string()) })),
});

const DAY_MS = 24 * 60 * 60_000;
/** A signature no known key verifies may mean fal rotated its keys: look again, at most this often. */
const REFETCH_MS = 5 * 60_000;
const MAX_JWKS_BYTES = 64 * 1024;

/**
 * fal's webhook signing keys (Ed25519, as a JWKS), cached for a day and fetched
 * once however many deliveries arrive together.
 */
export class FalWebhookKeys {
  #keys: KeyObject[] = [];
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #pending: Promise<KeyObject[]> | undefined;

  constructor(
    private readonly url: string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached keys, fetched when there are none or they are a day old. */
  current(): Promise<KeyObject[]> {
    if (this.#keys.length > 0 && this.now() - this.#fetchedAt < DAY_MS) return Promise.resolve(this.#keys);
    return this.#refresh();
  }

  /** Fetch again after a failed verification, unless that was done in the last few minutes. */
  async afterMiss(): Promise<KeyObject[] | undefined> {
    if (this.now() - this.#fetchedAt < REFETCH_MS) return undefined;
    return this.#refresh();
  }

  #refresh(): Promise<KeyObject[]> {
    this.#pending ??= this.#fetch().finally(() => {
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

import { MemoryStore } from '../store/memory-store.js';
import type { SharedStore } from '../store/store.js';
import { StoreUnavailableError } from '../store/store.js';

/** Failed sign-ins one address may make: 10 at once, then one every 6 s. */
const FAILURES_PER_MINUTE = 10;
const FAILURE_BURST = 10;

/**
 * Failed authentication per client address (a wrong access token, a key fal
 * refused, a token that does not open). Past the budget the address is locked
 * out for a while: every credential it sends is refused before being checked,
 * right ones included, so guessing gains nothing. In the shared store, so the
 * lock holds on every machine (falls back to this machine's memory).
 */
export class AuthFailures {
  readonly #local = new MemoryStore();

  constructor(private readonly store: SharedStore) {}

  /** Seconds the address is locked out for, or 0. */
  async lockedFor(ip: string): Promise<number> {
    const raw = await this.#get(`authlock:${ip}`);
    const until = raw === undefined ? 0 : Number(raw);
    return until > Date.now() ? Math.ceil((until - Date.now()) / 1000) : 0;
  }

  /** Count one failure; returns the lockout in seconds when this one used up the budget, else 0. */
  async failed(ip: string): Promise<number> {
    const wait = await this.#call((s) =>
      s.takeToken(`authfail:${ip}`, FAILURES_PER_MINUTE / 60, FAILURE_BURST),
    );
    if (wait > 0) {
      const until = Date.now() + wait * 1000;
      await this.#call((s) => s.set(`authlock:${ip}`, String(until), wait * 1000));
    }
    return wait;
  }

  /** Give one failure back: it was counted before the outcome was known, and the credential proved good. */
  async forgive(ip: string): Promise<void> {
    await this.#call((s) => s.takeToken(`authfail:${ip}`, FAILURES_PER_MINUTE / 60, FAILURE_BURST, -1));
  }

  #get(key: string): Promise<string | undefined> {
    return this.#call((s) => s.get(key));
  }

  async #call<T>(run: (store: SharedStore) => Promise<T>): Promise<T> {
    try {
      return await run(this.store);
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return run(this.#local);
    }
  }
}

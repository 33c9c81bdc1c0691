import { MemoryStore } from '../store/memory-store.js';
import type { SharedStore } from '../store/store.js';
import { StoreUnavailableError } from '../store/store.js';

/** Failed sign-ins one address may make: 10 at once, then one every 6 s. */
const PER_ADDRESS = { perMinute: 10, burst: 10, prefix: 'auth' };

/**
 * Failed authentication per client address (a wrong access token, a key fal
 * refused, a token that does not open). Past the budget the address is locked
 * out for a while: every credential it sends is refused before being checked,
 * right ones included, so guessing gains nothing. In the shared store, so the
 * lock holds on every machine (falls back to this machine's memory).
 */
export class AuthFailures {
  readonly #local = new MemoryStore();

  constructor(
    private readonly store: SharedStore,
    /** How many failures, how fast refilled, under which key prefix (per address by default). */
    private readonly budget: { perMinute: number; burst: number; prefix: string } = PER_ADDRESS,
  ) {}

  /** Seconds the address is locked out for, or 0. */
  async lockedFor(ip: string): Promise<number> {
    const raw = await this.#get(`${this.budget.prefix}lock:${ip}`);
    const until = raw === undefined ? 0 : Number(raw);
    return until > Date.now() ? Math.ceil((until - Date.now()) / 1000) : 0;
  }

  /** Count one failure; returns the lockout in seconds when this one used up the budget, else 0. */
  async failed(ip: string): Promise<number> {
    const { perMinute, burst, prefix } = this.budget;
    const wait = await this.#call((s) => s.takeToken(`${prefix}fail:${ip}`, perMinute / 60, burst));
    if (wait > 0) {
      const until = Date.now() + wait * 1000;
      await this.#call((s) => s.set(`${prefix}lock:${ip}`, String(until), wait * 1000));
    }
    return wait;
  }

  /** Give one failure back: it was counted before the outcome was known, and the credential proved good. */
  async forgive(ip: string): Promise<void> {
    const { perMinute, burst, prefix } = this.budget;
    await this.#call((s) => s.takeToken(`${prefix}fail:${ip}`, perMinute / 60, burst, -1));
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

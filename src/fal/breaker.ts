import { FalError } from './errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Per-upstream circuit breaker: after `threshold` consecutive failures (5xx,
 * timeouts, connection errors: not 4xx answers) calls fail fast for
 * `cooldownMs`; then one probe goes through, and its outcome closes or reopens it.
 */
export class CircuitBreaker {
  #failures = 0;
  #openedAt = 0;
  #state: BreakerState = 'closed';
  #probing = false;

  constructor(
    private readonly name: string,
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    return this.#state;
  }

  /** Throws when the circuit is open; otherwise lets the call through. */
  before(): void {
    if (this.#state === 'closed') return;
    const elapsed = this.now() - this.#openedAt;
    if (this.#state === 'open' && elapsed >= this.cooldownMs) {
      this.#state = 'half-open';
      this.#probing = false;
    }
    if (this.#state === 'half-open' && !this.#probing) {
      this.#probing = true;
      return;
    }
    const wait = Math.max(1, Math.ceil((this.cooldownMs - elapsed) / 1000));
    throw new FalError({
      kind: 'unavailable',
      message: `fal (${this.name}) failed ${this.#failures} times in a row, so calls are paused (circuit open); next try in ${wait} s`,
      retryAfterSeconds: wait,
    });
  }

  success(): void {
    this.#failures = 0;
    this.#state = 'closed';
    this.#probing = false;
  }

  failure(): void {
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.threshold) {
      this.#state = 'open';
      this.#openedAt = this.now();
      this.#probing = false;
    }
  }

  /** A call that ended without telling anything about fal's health (client abort). */
  release(): void {
    if (this.#state === 'half-open') this.#probing = false;
  }
}

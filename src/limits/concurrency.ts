/** Counts per key of things in progress, with a cap. */
export class ConcurrencyLimiter {
  readonly #active = new Map<string, number>();

  constructor(readonly max: number) {}

  /** Returns a release function, or undefined when the key is at its cap. */
  tryAcquire(key: string): (() => void) | undefined {
    const n = this.#active.get(key) ?? 0;
    if (n >= this.max) return undefined;
    this.#active.set(key, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#active.get(key) ?? 1) - 1;
      if (left <= 0) this.#active.delete(key);
      else this.#active.set(key, left);
    };
  }
}

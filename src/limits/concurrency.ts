/** Counts per key of things in progress, with a cap per key and, optionally, one over all keys. */
export class ConcurrencyLimiter {
  readonly #active = new Map<string, number>();
  #total = 0;

  constructor(
    readonly max: number,
    readonly maxTotal = Number.POSITIVE_INFINITY,
  ) {}

  /** Returns a release function, or undefined when the key (or everyone together) is at the cap. */
  tryAcquire(key: string): (() => void) | undefined {
    const n = this.#active.get(key) ?? 0;
    if (n >= this.max || this.#total >= this.maxTotal) return undefined;
    this.#active.set(key, n + 1);
    this.#total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#total--;
      const left = (this.#active.get(key) ?? 1) - 1;
      if (left <= 0) this.#active.delete(key);
      else this.#active.set(key, left);
    };
  }
}

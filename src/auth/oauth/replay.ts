/**
 * Remembers which authorization codes were already exchanged, until they
 * expire anyway. Async so a shared store can stand in for it: in memory, a
 * code replayed against a *different* machine within its lifetime would be
 * accepted there (PKCE still requires the verifier, which only the client has).
 */
export interface SingleUseSet {
  /** true the first time an id is claimed, false on every later claim before it expires. */
  claim(id: string, expiresAtMs: number): Promise<boolean>;
}

export class MemorySingleUseSet implements SingleUseSet {
  readonly #used = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  async claim(id: string, expiresAtMs: number): Promise<boolean> {
    this.#sweep();
    if (this.#used.has(id)) return false;
    // Bounded: an expired entry goes first; past the cap the oldest goes, which only
    // reopens a code that has (with 60 s lifetimes) almost always expired already.
    if (this.#used.size >= this.maxEntries) {
      const oldest = this.#used.keys().next();
      if (!oldest.done) this.#used.delete(oldest.value);
    }
    this.#used.set(id, expiresAtMs);
    return true;
  }

  #sweep(): void {
    const now = this.now();
    for (const [id, expires] of this.#used) {
      if (expires > now) break;
      this.#used.delete(id);
    }
  }
}

/**
 * Bytes of large upstream answers held in memory at once: process-wide, and per
 * tenant, so one tenant's huge results can neither exhaust the heap nor take
 * the whole budget from everyone else. The first `freeBytes` of every answer
 * are not counted: ordinary answers (catalogue pages, job results) never wait
 * on large ones.
 */
export class ByteBudget {
  #used = 0;
  readonly #byTenant = new Map<string, number>();

  constructor(
    readonly maxBytes: number,
    readonly maxPerTenant: number,
    readonly freeBytes: number,
  ) {}

  /** Room for one answer; call `grow` as its bytes arrive and `release` when done. */
  open(tenant: string): BudgetSlot {
    let counted = 0;
    return {
      grow: (total) => {
        const wanted = Math.max(0, total - this.freeBytes) - counted;
        if (wanted <= 0) return true;
        const tenantUsed = this.#byTenant.get(tenant) ?? 0;
        if (this.#used + wanted > this.maxBytes || tenantUsed + wanted > this.maxPerTenant) return false;
        this.#used += wanted;
        this.#byTenant.set(tenant, tenantUsed + wanted);
        counted += wanted;
        return true;
      },
      release: () => {
        if (counted === 0) return;
        this.#used -= counted;
        const left = (this.#byTenant.get(tenant) ?? counted) - counted;
        if (left <= 0) this.#byTenant.delete(tenant);
        else this.#byTenant.set(tenant, left);
        counted = 0;
      },
    };
  }

  get usedBytes(): number {
    return this.#used;
  }
}

export interface BudgetSlot {
  /** The answer has reached `total` bytes; false when that does not fit (then stop reading). */
  grow(total: number): boolean;
  release(): void;
}

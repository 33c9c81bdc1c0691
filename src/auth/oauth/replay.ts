import type { SharedStore } from '../../store/store.js';

/**
 * Remembers which authorization codes were already exchanged, until they
 * expire anyway, in the shared store: with REDIS_URL a code exchanged on one
 * machine is refused on every other. Fails closed: if the store cannot answer,
 * claim() throws StoreUnavailableError and no tokens are issued (the client
 * retries the sign-in; a replayed code could otherwise slip through).
 */
export class UsedCodes {
  constructor(
    private readonly store: SharedStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** true the first time a code id is claimed, false on every later claim before it expires. */
  claim(id: string, expiresAtMs: number): Promise<boolean> {
    return this.store.setIfAbsent(`oauth-code:${id}`, '1', Math.max(1000, expiresAtMs - this.now()));
  }
}

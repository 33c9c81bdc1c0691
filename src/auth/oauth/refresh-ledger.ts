import type { SharedStore } from '../../store/store.js';

/**
 * What makes refresh tokens single-use, in the shared store (every machine
 * sees it): each token id is claimed once; a second use of one means a copy
 * is loose, and revokes the whole sign-in it belongs to. Errors of the store
 * (StoreUnavailableError) reach the caller, which fails closed.
 */
export class RefreshLedger {
  constructor(
    private readonly store: SharedStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** true the first time a refresh token is used; false for any later use before it expires. */
  claim(tokenId: string, expiresAtMs: number): Promise<boolean> {
    return this.store.setIfAbsent(`oauth-rt:${tokenId}`, '1', this.#ttl(expiresAtMs));
  }

  /** End a sign-in: none of its refresh tokens is honoured again. */
  revoke(grantId: string, endsAtMs: number): Promise<void> {
    return this.store.set(`oauth-revoked:${grantId}`, '1', this.#ttl(endsAtMs));
  }

  async isRevoked(grantId: string): Promise<boolean> {
    return (await this.store.get(`oauth-revoked:${grantId}`)) !== undefined;
  }

  #ttl(untilMs: number): number {
    return Math.max(1000, untilMs - this.now());
  }
}

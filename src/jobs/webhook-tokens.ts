import { createHash, randomBytes } from 'node:crypto';
import type { SharedStore } from '../store/store.js';

/** fal retries a delivery for 2 h after a job ends; jobs themselves can queue and run for hours. */
const TOKEN_TTL_MS = 24 * 60 * 60_000;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{32}$/;

/**
 * Every submit's `fal_webhook` URL carries its own unguessable token
 * (`<PUBLIC_URL>/webhooks/fal/<token>`), recorded in the shared store with the
 * tenant that submitted. A delivery whose token this server never issued is
 * refused before a byte of its body is read; one that is known can only speak
 * for that tenant's own jobs. Only a digest of the token is stored.
 */
export class WebhookTokens {
  constructor(
    private readonly store: SharedStore,
    private readonly baseUrl: string,
  ) {}

  /** A fresh webhook URL for one submit, or undefined when the store cannot record it (then fal is polled). */
  async issue(tenant: string): Promise<string | undefined> {
    const token = randomBytes(24).toString('base64url');
    try {
      await this.store.set(keyOf(token), tenant, TOKEN_TTL_MS);
    } catch {
      return undefined;
    }
    return `${this.baseUrl}/${token}`;
  }

  /** The tenant a token was issued for; undefined for a token of the wrong shape, unknown or expired. */
  async tenantOf(token: string): Promise<string | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    return this.store.get(keyOf(token)).catch(() => undefined);
  }
}

const keyOf = (token: string) => `whtok:${createHash('sha256').update(token).digest('hex').slice(0, 40)}`;

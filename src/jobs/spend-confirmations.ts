import { createHash, randomBytes } from 'node:crypto';
import * as v from 'valibot';
import type { Caller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import { canonical } from '../lib/canonical-json.js';
import { Sealer } from '../lib/seal.js';
import { Secret } from '../lib/secret.js';
import type { SharedStore } from '../store/store.js';

/** How long a confirmation form may stay unanswered. */
const CONFIRMATION_TTL_MS = 10 * 60_000;

const Payload = v.object({
  t: v.string(),
  o: v.string(),
  d: v.string(),
  x: v.number(),
  n: v.string(),
  m: v.string(),
  e: v.number(),
});

/** What a tool call asks for, as a digest: the confirmation is for these exact arguments. */
export function callDigest(tool: string, args: unknown): string {
  return createHash('sha256')
    .update(`${tool}\n${canonical(args)}`)
    .digest('base64url');
}

/**
 * The `requestState` of a spend confirmation (MRTR, 2026-07-28): sealed with
 * TASKS_SECRET over tenant, tool, the arguments' digest, model, estimate,
 * expiry and a nonce. The protocol does not make it single-use: redeeming
 * claims the nonce in the shared store, so a replayed confirmation, on this
 * machine or another, never submits twice.
 */
export class SpendConfirmations {
  readonly #sealer: Sealer;

  constructor(
    secrets: readonly Secret[],
    private readonly store: SharedStore,
    private readonly now: () => number = Date.now,
  ) {
    const keys = secrets.length > 0 ? secrets : [new Secret(randomBytes(32).toString('base64url'))];
    this.#sealer = new Sealer(keys, 'fal-mcp-confirm');
  }

  mint(caller: Caller, tool: string, digest: string, spend: { model: string; estimateUsd: number }): string {
    return this.#sealer.seal('confirm', {
      t: caller.tenant,
      o: tool,
      d: digest,
      x: this.now() + CONFIRMATION_TTL_MS,
      n: randomBytes(16).toString('base64url'),
      m: spend.model,
      e: spend.estimateUsd,
    });
  }

  /** Check a returned requestState against this very call and use it up; throws a UserError otherwise. */
  async redeem(
    caller: Caller,
    tool: string,
    digest: string,
    state: string,
  ): Promise<{ model: string; estimateUsd: number }> {
    const parsed = v.safeParse(
      Payload,
      state.length <= 2048 ? this.#sealer.open('confirm', state) : undefined,
    );
    const payload = parsed.success ? parsed.output : undefined;
    if (!payload || payload.t !== caller.tenant || payload.o !== tool) {
      throw new UserError(
        'Not submitted: the confirmation is not valid for this call. Call again without it to be asked anew.',
      );
    }
    if (payload.d !== digest) {
      throw new UserError(
        'Not submitted: the arguments changed since the confirmation was asked for. Call again to be asked anew.',
      );
    }
    const left = payload.x - this.now();
    if (left <= 0)
      throw new UserError(
        'Not submitted: the confirmation expired (10 minutes). Call again to be asked anew.',
      );
    const fresh = await this.store.setIfAbsent(`confirm-nonce:${payload.n}`, '1', left + 60_000);
    if (!fresh) {
      throw new UserError(
        'Not submitted again: this confirmation was already used (a replay). Call again without it to be asked anew.',
      );
    }
    return { model: payload.m, estimateUsd: payload.e };
  }
}

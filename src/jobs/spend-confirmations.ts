import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import {
  createRequestStateCodec,
  type RequestStateCodec,
  type ServerContext,
} from '@modelcontextprotocol/server';
import * as v from 'valibot';
import type { Caller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import { canonical } from '../lib/canonical-json.js';
import type { Secret } from '../lib/secret.js';
import type { SharedStore } from '../store/store.js';

/** The codec reads a request's context only to bind to it, and these bind nothing (the payload says whose). */
const NO_CONTEXT = undefined as unknown as ServerContext;

/** How long a confirmation form may stay unanswered. */
const CONFIRMATION_TTL_SECONDS = 10 * 60;

const Payload = v.object({
  t: v.string(),
  o: v.string(),
  d: v.string(),
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
 * The `requestState` of a spend confirmation (MRTR, 2026-07-28): the SDK's
 * codec (HMAC-SHA256, expiry) under a key derived from TASKS_SECRET, over
 * tenant, tool, the arguments' digest, model, estimate and a nonce. The payload
 * is signed, not encrypted: the client may read what it is asked to confirm,
 * nothing more. Every TASKS_SECRET opens (the first signs), so secrets rotate.
 * The protocol does not make it single-use: redeeming claims the nonce in the
 * shared store, so a replayed confirmation, on this machine or another, never
 * submits twice.
 */
export class SpendConfirmations {
  readonly #codecs: RequestStateCodec<unknown>[];

  constructor(
    secrets: readonly Secret[],
    private readonly store: SharedStore,
  ) {
    const keys =
      secrets.length > 0 ? secrets.map((s) => s.reveal()) : [randomBytes(32).toString('base64url')];
    this.#codecs = keys.map((key) =>
      createRequestStateCodec({
        // Its own key: TASKS_SECRET also seals task ids, and a confirmation must never open as one.
        key: new Uint8Array(hkdfSync('sha256', key, '', 'fal-mcp-confirm', 32)),
        ttlSeconds: CONFIRMATION_TTL_SECONDS,
      }),
    );
  }

  mint(
    caller: Caller,
    tool: string,
    digest: string,
    spend: { model: string; estimateUsd: number },
  ): Promise<string> {
    const payload: v.InferOutput<typeof Payload> = {
      t: caller.tenant,
      o: tool,
      d: digest,
      n: randomBytes(16).toString('base64url'),
      m: spend.model,
      e: spend.estimateUsd,
    };
    return (this.#codecs[0] as RequestStateCodec<unknown>).mint(payload);
  }

  /** Check a returned requestState against this very call and use it up; throws a UserError otherwise. */
  async redeem(
    caller: Caller,
    tool: string,
    digest: string,
    state: string,
  ): Promise<{ model: string; estimateUsd: number }> {
    const opened = state.length <= 2048 ? await this.#open(state) : 'invalid';
    if (opened === 'expired') {
      throw new UserError(
        'Not submitted: the confirmation expired (10 minutes). Call again to be asked anew.',
      );
    }
    const parsed = v.safeParse(Payload, opened);
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
    // Claimed for longer than it can live, so a replay finds the claim.
    const fresh = await this.store.setIfAbsent(
      `confirm-nonce:${payload.n}`,
      '1',
      (CONFIRMATION_TTL_SECONDS + 60) * 1000,
    );
    if (!fresh) {
      throw new UserError(
        'Not submitted again: this confirmation was already used (a replay). Call again without it to be asked anew.',
      );
    }
    return { model: payload.m, estimateUsd: payload.e };
  }

  /** The payload under any of the secrets; `expired` when one opens it too late, `invalid` when none does. */
  async #open(state: string): Promise<unknown> {
    for (const codec of this.#codecs) {
      try {
        return await codec.verify(state, NO_CONTEXT);
      } catch (error) {
        if (error instanceof Error && error.message === 'expired') return 'expired';
      }
    }
    return 'invalid';
  }
}

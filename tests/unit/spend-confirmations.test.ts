import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Caller } from '../../src/auth/caller.js';
import { callDigest, SpendConfirmations } from '../../src/jobs/spend-confirmations.js';
import { Secret } from '../../src/lib/secret.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const OLD = new Secret('old-secret-0123456789abcdefghijklmnopqrstuv');
const NEW = new Secret('new-secret-0123456789abcdefghijklmnopqrstuv');
const CALLER = { tenant: 't_confirm', key: new Secret('k-id:k-secret') } as Caller;
const DIGEST = callDigest('run_model', { model: 'fal-ai/flux/dev', input: { prompt: 'a fox' } });
const SPEND = { model: 'fal-ai/flux/dev', estimateUsd: 0.5 };

describe('spend confirmations (the SDK request-state codec)', () => {
  afterEach(() => vi.useRealTimers());

  it('opens under a rotated secret list, once, and says what the client may read', async () => {
    const before = new SpendConfirmations([OLD], new MemoryStore());
    const state = await before.mint(CALLER, 'run_model', DIGEST, SPEND);
    // Signed, not sealed: the client can read what it is asked to confirm, and no key.
    const body = JSON.parse(Buffer.from(state.split('.')[1] ?? '', 'base64url').toString()) as { p: object };
    expect(Object.keys(body.p).sort()).toEqual(['d', 'e', 'm', 'n', 'o', 't']);
    expect(state).not.toContain(OLD.reveal());
    const after = new SpendConfirmations([NEW, OLD], new MemoryStore());
    await expect(after.redeem(CALLER, 'run_model', DIGEST, state)).resolves.toEqual(SPEND);
    await expect(after.redeem(CALLER, 'run_model', DIGEST, state)).rejects.toThrow(/already used/);
    // A secret no longer listed opens nothing.
    const dropped = new SpendConfirmations([NEW], new MemoryStore());
    await expect(dropped.redeem(CALLER, 'run_model', DIGEST, state)).rejects.toThrow(
      /not valid for this call/,
    );
  });

  it('expires after ten minutes, saying so', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-04T10:00:00Z') });
    const confirmations = new SpendConfirmations([NEW], new MemoryStore());
    const state = await confirmations.mint(CALLER, 'run_model', DIGEST, SPEND);
    vi.setSystemTime(new Date('2026-12-04T10:10:02Z'));
    await expect(confirmations.redeem(CALLER, 'run_model', DIGEST, state)).rejects.toThrow(
      /expired \(10 minutes\)/,
    );
  });

  it('is no task id: a state signed with TASKS_SECRET itself does not open', async () => {
    const { createRequestStateCodec } = await import('@modelcontextprotocol/server');
    const raw = createRequestStateCodec({ key: NEW.reveal() });
    const state = await raw.mint({
      t: CALLER.tenant,
      o: 'run_model',
      d: DIGEST,
      n: 'x',
      m: SPEND.model,
      e: 0.01,
    });
    const confirmations = new SpendConfirmations([NEW], new MemoryStore());
    await expect(confirmations.redeem(CALLER, 'run_model', DIGEST, state)).rejects.toThrow(/not valid/);
  });
});

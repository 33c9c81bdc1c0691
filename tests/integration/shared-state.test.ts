import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { UsedCodes } from '../../src/auth/oauth/replay.js';
import { UserError } from '../../src/errors.js';
import { IdempotencyKeys } from '../../src/jobs/idempotency.js';
import { JobStore } from '../../src/jobs/job-store.js';
import { RateLimiter } from '../../src/limits/rate-limiter.js';
import { SharedCatalogue } from '../../src/registry/shared-catalogue.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';
import { registryFor } from '../helpers/registry.js';
import { SwitchableStore } from '../helpers/stores.js';

const record = (requestId: string, model = 'fal-ai/flux/dev') => ({
  requestId,
  model,
  submittedAt: 1,
  idempotencyKey: 'k1',
});

describe('IdempotencyKeys: across machines', () => {
  it('one request reserves a key; a retry gets the job it made; other work under the key is refused', async () => {
    const store = new SwitchableStore();
    const [a, b] = [new IdempotencyKeys(store), new IdempotencyKeys(store)];
    const mine = await a.reserve('t1', 'k1', 'fp', 'fal-ai/flux/dev');
    expect(mine.kind).toBe('reserved');
    if (mine.kind !== 'reserved') return;
    // Machine b retries while a is still submitting: it waits, then gets a's job.
    const before = store.calls;
    const retry = b.reserve('t1', 'k1', 'fp', 'fal-ai/flux/dev');
    // Two looks (claim, then read: pending) each, twice: b has found the key taken and gone on waiting.
    await vi.waitFor(() => expect(store.calls - before).toBeGreaterThanOrEqual(4), {
      interval: 5,
      timeout: 5_000,
    });
    expect(await a.complete(mine, record('req-1'), 'fp')).toBe(true);
    expect(await retry).toEqual({ kind: 'earlier', record: record('req-1') });
    await expect(b.reserve('t1', 'k1', 'other-fp', 'fal-ai/flux/dev')).rejects.toThrow(
      /already used for a different request \(fal-ai\/flux\/dev\)/,
    );
    // Keys belong to a tenant.
    expect((await b.reserve('t2', 'k1', 'other-fp', 'fal-ai/flux/dev')).kind).toBe('reserved');
  });

  it('a failed submit releases its key, and a stuck one makes retries wait then say so', async () => {
    const store = new SwitchableStore();
    const jobs = new IdempotencyKeys(store, { pendingWaitMs: 200, pollMs: 20 });
    const first = await jobs.reserve('t', 'k', 'fp', 'm/x');
    if (first.kind !== 'reserved') throw new Error('expected a reservation');
    await expect(jobs.reserve('t', 'k', 'fp', 'm/x')).rejects.toThrow(/still being submitted/);
    await expect(jobs.reserve('t', 'k', 'fp2', 'm/x')).rejects.toThrow(
      /already used for a different request/,
    );
    await jobs.release(first);
    expect((await jobs.reserve('t', 'k', 'fp', 'm/x')).kind).toBe('reserved');
  });

  it('fails closed when the store is down: the key cannot be honoured, nothing is reserved', async () => {
    const store = new SwitchableStore();
    const jobs = new IdempotencyKeys(store);
    store.down = true;
    const error = await jobs.reserve('t', 'k', 'fp', 'm/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /idempotency_key cannot be honoured right now: the shared store .* unreachable\. Nothing was submitted/,
    );
    expect(await jobs.complete({ key: 'idem:t:k' }, record('req-9'), 'fp')).toBe(false);
  });

  it('job records are shared, and fail open to what this machine submitted', async () => {
    const store = new SwitchableStore();
    const [a, b] = [new JobStore(store), new JobStore(store)];
    await a.remember('t', record('req-1'));
    expect(await b.find('t', 'req-1')).toEqual(record('req-1'));
    expect(await b.find('other-tenant', 'req-1')).toBeUndefined();
    store.down = true;
    await a.remember('t', record('req-2'));
    expect(await a.find('t', 'req-2')).toEqual(record('req-2'));
    expect(await b.find('t', 'req-2')).toBeUndefined();
  });

  it('ignores a record another process wrote that does not parse', async () => {
    const store = new SwitchableStore();
    await store.set('job:t:req-x', '{"requestId":42}', 10_000);
    await store.set('job:t:req-y', 'not json', 10_000);
    const jobs = new JobStore(store);
    expect(await jobs.find('t', 'req-x')).toBeUndefined();
    expect(await jobs.find('t', 'req-y')).toBeUndefined();
  });
});

describe('JobStore: kept outcomes', () => {
  it("live apart in memory: one tenant's many large outputs never push out others' keys or records", async () => {
    const store = new MemoryStore(Date.now, 10_000, 64 * 1024);
    const outcomes = new MemoryStore(Date.now, 10_000, 64 * 1024);
    const jobs = new JobStore(store, { outcomes });
    const keys = new IdempotencyKeys(store);
    const mine = await keys.reserve('victim', 'k1', 'fp', 'fal-ai/flux/dev');
    if (mine.kind !== 'reserved') throw new Error('expected a reservation');
    await keys.complete(mine, record('req-v'), 'fp');
    await jobs.remember('victim', record('req-v'));
    const big = { images: [{ url: 'https://v3b.fal.media/x.png' }], text: 'x'.repeat(10_000) };
    for (let i = 0; i < 100; i++) {
      await jobs.remember('greedy', record(`req-g${i}`));
      await jobs.keep('greedy', record(`req-g${i}`), {
        status: 'COMPLETED',
        result: big,
        media: [],
        notes: [],
        keptAt: Date.now(),
      });
    }
    expect(await keys.reserve('victim', 'k1', 'fp', 'fal-ai/flux/dev')).toEqual({
      kind: 'earlier',
      record: record('req-v'),
    });
    expect(await jobs.find('victim', 'req-v')).toEqual(record('req-v'));
    // The newest outcomes are there; the oldest made room for them.
    expect((await jobs.find('greedy', 'req-g99'))?.outcome?.status).toBe('COMPLETED');
    expect((await jobs.find('greedy', 'req-g0'))?.outcome).toBeUndefined();
  });

  it('an output larger than the cap keeps its media links, marked partial', async () => {
    const jobs = new JobStore(new MemoryStore(), { maxOutcomeBytes: 1024 });
    const media = [
      { field: 'images[0]', url: 'https://v3b.fal.media/a.png', kind: 'image' as const, name: 'a.png' },
    ];
    const kept = await jobs.keep('t', record('req-p'), {
      status: 'COMPLETED',
      result: { text: 'y'.repeat(5000) },
      media,
      notes: [],
      keptAt: 1,
    });
    expect(kept.outcome).toMatchObject({ partial: true, media });
    expect(kept.outcome?.result).toBeUndefined();
  });
});

describe('RateLimiter', () => {
  it('shares one bucket through the store, and falls back to per-machine buckets when it is down', async () => {
    const store = new SwitchableStore();
    const [a, b] = [new RateLimiter(store, 60, 2), new RateLimiter(store, 60, 2)];
    expect([await a.take('t'), await b.take('t'), await a.take('t')]).toEqual([0, 0, 1]);
    store.down = true;
    // Fail open: each machine has its own burst again.
    expect([await a.take('t'), await a.take('t'), await a.take('t')]).toEqual([0, 0, 1]);
    expect(await b.take('t')).toBe(0);
  });
});

describe('UsedCodes', () => {
  it('refuses a code on any machine once exchanged on one, and fails closed when the store is down', async () => {
    const store = new SwitchableStore();
    const [a, b] = [new UsedCodes(store), new UsedCodes(store)];
    const expires = Date.now() + 60_000;
    expect(await a.claim('code-1', expires)).toBe(true);
    expect(await b.claim('code-1', expires)).toBe(false);
    store.down = true;
    await expect(b.claim('code-2', expires)).rejects.toThrow(/unavailable/);
  });
});

describe('the catalogue shared between machines', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.faults.clear());
  const crawls = () => emu.faults.callsTo('models').filter((c) => !c.query.includes('cursor=')).length;

  it('a second machine reads the first one’s fresh snapshot instead of crawling', async () => {
    const store = new SwitchableStore();
    const a = registryFor(emu, { shared: new SharedCatalogue(store) });
    expect((await a.registry.catalogue()).models.size).toBe(1207);
    const b = registryFor(emu, { shared: new SharedCatalogue(store) });
    const catalogue = await b.registry.catalogue();
    expect(catalogue.models.size).toBe(1207);
    expect(catalogue.models.get('fal-ai/flux/dev')).toEqual(
      (await a.registry.catalogue()).models.get('fal-ai/flux/dev'),
    );
    expect(crawls()).toBe(1);
    expect(b.registry.status()).toMatchObject({ crawls: 0, source: 'live' });
    expect(b.logs().find((l) => l.msg === 'model catalogue refreshed')).toMatchObject({ from: 'snapshot' });
  });

  it('machines starting together crawl once: the others wait for the lock holder’s snapshot', async () => {
    const store = new SwitchableStore();
    const machines = Array.from({ length: 4 }, () =>
      registryFor(emu, { shared: new SharedCatalogue(store) }),
    );
    const catalogues = await Promise.all(machines.map((m) => m.registry.catalogue()));
    expect(catalogues.map((c) => c.models.size)).toEqual([1207, 1207, 1207, 1207]);
    expect(crawls()).toBe(1);
  });

  it('after the TTL, one machine refreshes while the other keeps serving, then adopts that crawl', async () => {
    const store = new SwitchableStore();
    let now = Date.now();
    const opts = () => ({ shared: new SharedCatalogue(store), ttlSeconds: 60, now: () => now });
    const a = registryFor(emu, opts());
    const b = registryFor(emu, opts());
    await a.registry.catalogue();
    await b.registry.catalogue();
    expect(crawls()).toBe(1);

    now += 61_000;
    const served = await Promise.all([a.registry.catalogue(), b.registry.catalogue()]);
    // Both answer at once from what they have (stale while revalidate)...
    expect(served.map((c) => c.models.size)).toEqual([1207, 1207]);
    const refreshed = async (m: typeof a) => {
      while (m.registry.status().refreshing) await new Promise((r) => setTimeout(r, 10));
    };
    await Promise.all([refreshed(a), refreshed(b)]);
    // ...and only the lock holder crawled.
    expect(crawls()).toBe(2);
    const fresh = [a, b].filter((m) => m.registry.status().stale === false);
    expect(fresh).toHaveLength(1);
    const waiting = a.registry.status().stale ? a : b;

    // The other looks again after a short pause and takes the new snapshot.
    now += 2_500;
    await waiting.registry.catalogue();
    await refreshed(waiting);
    expect(waiting.registry.status()).toMatchObject({ stale: false, crawls: waiting === a ? 1 : 0 });
    expect(crawls()).toBe(2);
  });

  it('fails open: with the store down each machine crawls for itself', async () => {
    const store = new SwitchableStore();
    store.down = true;
    const a = registryFor(emu, { shared: new SharedCatalogue(store) });
    const b = registryFor(emu, { shared: new SharedCatalogue(store) });
    expect((await a.registry.catalogue()).source).toBe('live');
    expect((await b.registry.catalogue()).source).toBe('live');
    expect(crawls()).toBe(2);
  });

  it('a cold machine serves the last shared snapshot, not the built-in list, when fal is down', async () => {
    const store = new SwitchableStore();
    let now = Date.now();
    const a = registryFor(emu, { shared: new SharedCatalogue(store), ttlSeconds: 60, now: () => now });
    await a.registry.catalogue();
    now += 3_600_000;
    emu.inject('models', { status: 500 });
    const b = registryFor(emu, { shared: new SharedCatalogue(store), ttlSeconds: 60, now: () => now });
    const catalogue = await b.registry.catalogue();
    expect(catalogue.source).toBe('live');
    expect(catalogue.models.size).toBe(1207);
    expect(b.registry.status()).toMatchObject({ lastError: 'API error (HTTP 500)', stale: true });
    expect(b.logs().some((l) => l.msg === 'catalogue unavailable; serving the last shared snapshot')).toBe(
      true,
    );
  });

  it('is not kept in a memory store (nothing to share with)', () => {
    expect(new MemoryStore().shared).toBe(false);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/lib/secret.js';
import { createLogger } from '../../src/log.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { type SharedStore, StoreUnavailableError } from '../../src/store/store.js';
import { REDIS_SERVER, type RunningRedis, startRedis, warnIfNoRedis } from '../helpers/redis.js';

warnIfNoRedis('store');
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let redis: RunningRedis | undefined;
const opened: SharedStore[] = [];
let prefixes = 0;

beforeAll(async () => {
  if (REDIS_SERVER) redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(opened.map((s) => s.close()));
  await redis?.stop();
});

function redisStore(prefix = `t${++prefixes}:`, lines: string[] = []): RedisStore {
  if (!redis) throw new Error('no redis');
  const store = new RedisStore({
    url: new Secret(redis.url),
    keyPrefix: prefix,
    logger: createLogger('debug', (l) => lines.push(l)),
  });
  opened.push(store);
  return store;
}

/**
 * Each factory gives a pair of handles on one store (two processes' views when it is shared) and a
 * way to let time pass: the memory store's clock is the test's; Redis keeps time itself, so there
 * the test waits.
 */
type Opened = [SharedStore, SharedStore, (ms: number) => Promise<void>];
const STORES: [string, boolean, () => Promise<Opened>][] = [
  [
    'memory',
    true,
    async () => {
      let now = Date.now();
      const s = new MemoryStore(() => now);
      return [
        s,
        s,
        async (ms) => {
          now += ms;
        },
      ];
    },
  ],
  [
    'redis',
    REDIS_SERVER !== undefined,
    async () => {
      const prefix = `t${++prefixes}:`;
      const pair: [SharedStore, SharedStore] = [redisStore(prefix), redisStore(prefix)];
      expect(await Promise.all(pair.map((s) => s.whenReady(3000)))).toEqual([true, true]);
      return [...pair, sleep];
    },
  ],
];

describe.each(STORES)('the %s store (one behaviour suite for both)', (_name, available, open) => {
  it.runIf(available)('gets what was set, overwrites, and forgets after the TTL', async () => {
    const [a, b, pass] = await open();
    expect(await a.get('k')).toBeUndefined();
    await a.set('k', 'v1', 10_000);
    expect(await b.get('k')).toBe('v1');
    await b.set('k', 'v2', 150);
    expect(await a.get('k')).toBe('v2');
    await pass(300);
    expect(await a.get('k')).toBeUndefined();
  });

  it.runIf(available)('setIfAbsent writes once, then only after the entry expires', async () => {
    const [a, b, pass] = await open();
    expect(await a.setIfAbsent('lock', 'a', 150)).toBe(true);
    expect(await b.setIfAbsent('lock', 'b', 150)).toBe(false);
    expect(await b.get('lock')).toBe('a');
    await pass(300);
    expect(await b.setIfAbsent('lock', 'b', 10_000)).toBe(true);
    expect(await a.get('lock')).toBe('b');
  });

  it.runIf(available)('delete forgets a key, and deleting an absent one is no error', async () => {
    const [a, b] = await open();
    await a.set('gone', 'v', 10_000);
    await b.delete('gone');
    expect(await a.get('gone')).toBeUndefined();
    await a.delete('never-was');
  });

  it.runIf(available)('deleteIfEquals deletes only the value it was given', async () => {
    const [a, b] = await open();
    await a.set('claim', 'mine', 10_000);
    expect(await b.deleteIfEquals('claim', 'theirs')).toBe(false);
    expect(await a.get('claim')).toBe('mine');
    expect(await b.deleteIfEquals('claim', 'mine')).toBe(true);
    expect(await a.get('claim')).toBeUndefined();
    expect(await a.deleteIfEquals('claim', 'mine')).toBe(false);
  });

  it.runIf(available)('takeToken allows the burst, says how long to wait, and refills', async () => {
    const [a, b, pass] = await open();
    expect(await a.takeToken('bucket', 10, 2)).toBe(0);
    expect(await b.takeToken('bucket', 10, 2)).toBe(0);
    expect(await a.takeToken('bucket', 10, 2)).toBe(1);
    // A slow bucket says how many whole seconds until the next token.
    expect(await a.takeToken('slow', 0.25, 1)).toBe(0);
    expect(await b.takeToken('slow', 0.25, 1)).toBe(4);
    await pass(250); // 10 per second: at least two tokens back
    expect(await b.takeToken('bucket', 10, 2)).toBe(0);
    expect(await a.takeToken('bucket', 10, 2)).toBe(0);
    expect(await a.takeToken('other', 10, 2)).toBe(0);
  });

  it.runIf(available)(
    'takeToken is atomic: 200 concurrent takes from two handles allow exactly the burst',
    async () => {
      const [a, b] = await open();
      const waits = await Promise.all(
        Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).takeToken('contended', 0.001, 25)),
      );
      expect(waits.filter((w) => w === 0)).toHaveLength(25);
      expect(waits.filter((w) => w > 0)).toHaveLength(175);
    },
  );

  it.runIf(available)(
    'pushCapped keeps the newest items first, capped, and list reads them anywhere',
    async () => {
      const [a, b, pass] = await open();
      expect(await a.list('index')).toEqual([]);
      for (const n of [1, 2, 3, 4]) await (n % 2 ? a : b).pushCapped('index', `item-${n}`, 3, 10_000);
      expect(await b.list('index')).toEqual(['item-4', 'item-3', 'item-2']);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).pushCapped('busy', `${i}`, 50, 10_000)),
      );
      expect((await a.list('busy')).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `${i}`).sort());
      await a.pushCapped('short', 'x', 3, 150);
      await pass(300);
      expect(await b.list('short')).toEqual([]);
    },
  );
});

describe.runIf(REDIS_SERVER)('the Redis store specifically', () => {
  it('keeps deployments with different key prefixes apart', async () => {
    const a = redisStore('deploy-a:');
    const b = redisStore('deploy-b:');
    await Promise.all([a.whenReady(3000), b.whenReady(3000)]);
    await a.set('k', 'from a', 10_000);
    expect(await b.get('k')).toBeUndefined();
    expect(await a.takeToken('t', 0.001, 1)).toBe(0);
    expect(await b.takeToken('t', 0.001, 1)).toBe(0);
  });

  it('fails fast with StoreUnavailableError while Redis is down, logs the outage once, and recovers', async () => {
    const own = await startRedis();
    const lines: string[] = [];
    const store = new RedisStore({
      url: new Secret(own.url),
      keyPrefix: 'o:',
      logger: createLogger('debug', (l) => lines.push(l)),
    });
    opened.push(store);
    try {
      expect(await store.whenReady(3000)).toBe(true);
      await store.set('k', 'v', 10_000);
      expect(store.status()).toMatchObject({ kind: 'redis', state: 'ok' });

      await own.stop();
      let error: unknown;
      for (let i = 0; i < 5; i++) {
        error = await store.get('k').catch((e: unknown) => e);
        expect(error).toBeInstanceOf(StoreUnavailableError);
        expect((error as Error).message).toMatch(/^the shared store \(Redis\) is unavailable: /);
      }
      // Commands are not queued while disconnected: refused at once, so the caller's fallback runs.
      // (The first may still have been written before the client saw the connection drop.)
      expect((error as Error).message).toMatch(/enableOfflineQueue options is false/);
      expect(store.status().state).toBe('unreachable');
      expect(lines.filter((l) => l.includes('shared store unreachable'))).toHaveLength(1);

      await own.start();
      expect(await store.whenReady(5000)).toBe(true);
      await store.set('k2', 'v', 10_000);
      expect(store.status()).toMatchObject({ state: 'ok', lastError: undefined });
      expect(lines.join('\n')).toMatch(/shared store reachable again/);
    } finally {
      await own.stop();
    }
  });

  it('never shows the URL or its password in errors, status or logs', async () => {
    const closed = await startRedis();
    await closed.stop();
    const lines: string[] = [];
    const store = new RedisStore({
      url: new Secret(`redis://default:hunter2-redis-password@127.0.0.1:${closed.port}`),
      keyPrefix: 'p:',
      logger: createLogger('debug', (l) => lines.push(l)),
    });
    opened.push(store);
    expect(await store.whenReady(500)).toBe(false);
    const error = await store.setIfAbsent('k', 'v', 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    const seen = [String((error as Error).message), JSON.stringify(store.status()), ...lines].join('\n');
    expect(seen).toMatch(/ECONNREFUSED|unavailable/);
    expect(seen).not.toContain('hunter2-redis-password');
  });
});

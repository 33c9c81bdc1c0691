import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { type SharedStore, StoreUnavailableError } from '../store/store.js';
import { FalModelSchema } from './types.js';

const SnapshotSchema = v.object({
  fetchedAt: v.number(),
  skipped: v.number(),
  models: v.array(FalModelSchema),
});

/** A crawled catalogue as one machine publishes it for the others. */
export type CatalogueSnapshot = v.InferOutput<typeof SnapshotSchema>;

export type RefreshLock =
  | { state: 'acquired'; release(): Promise<void> }
  | { state: 'held' }
  | { state: 'unavailable' };

const SNAPSHOT_KEY = 'catalogue:snapshot';
// The snapshot's fetchedAt on its own, so machines can check for a newer one without downloading it.
const VERSION_KEY = 'catalogue:fetched-at';
const LOCK_KEY = 'catalogue:refresh-lock';
// A stale snapshot still beats the built-in list for a machine starting while fal is down.
const KEEP_MS = 7 * 24 * 3600_000;

/**
 * The catalogue shared through the store: machines publish what they crawl and
 * read what others crawled, and take a lock with an expiry so that one machine
 * crawls per TTL. Every store failure reads as "nothing shared" (fail open: the
 * machine crawls fal itself, as a lone machine would).
 */
export class SharedCatalogue {
  constructor(
    private readonly store: SharedStore,
    private readonly lockTtlMs = 60_000,
  ) {}

  /** The published snapshot's fetchedAt, if any. */
  async version(): Promise<number | undefined> {
    const raw = await this.store.get(VERSION_KEY).catch(unavailableAsUndefined);
    const n = raw === undefined ? Number.NaN : Number(raw);
    return Number.isFinite(n) ? n : undefined;
  }

  async read(): Promise<CatalogueSnapshot | undefined> {
    const raw = await this.store.get(SNAPSHOT_KEY).catch(unavailableAsUndefined);
    if (raw === undefined) return undefined;
    try {
      const parsed = v.safeParse(SnapshotSchema, JSON.parse(raw));
      return parsed.success ? parsed.output : undefined;
    } catch {
      return undefined;
    }
  }

  async publish(snapshot: CatalogueSnapshot): Promise<void> {
    try {
      await this.store.set(SNAPSHOT_KEY, JSON.stringify(snapshot), KEEP_MS);
      await this.store.set(VERSION_KEY, String(snapshot.fetchedAt), KEEP_MS);
    } catch (error) {
      unavailableAsUndefined(error);
    }
  }

  /** Wait for a snapshot newer than `than` (another machine's crawl), polling its version. */
  async waitForNewer(than: number, timeoutMs: number, pollMs = 200): Promise<CatalogueSnapshot | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const version = await this.version();
      if (version !== undefined && version > than) return this.read();
    }
    return undefined;
  }

  async lock(): Promise<RefreshLock> {
    const owner = randomUUID();
    try {
      if (!(await this.store.setIfAbsent(LOCK_KEY, owner, this.lockTtlMs))) return { state: 'held' };
    } catch (error) {
      unavailableAsUndefined(error);
      return { state: 'unavailable' };
    }
    return {
      state: 'acquired',
      release: async () => {
        await this.store.deleteIfEquals(LOCK_KEY, owner).catch(unavailableAsUndefined);
      },
    };
  }
}

function unavailableAsUndefined(error: unknown): undefined {
  if (error instanceof StoreUnavailableError) return undefined;
  throw error;
}

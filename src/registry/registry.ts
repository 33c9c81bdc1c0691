import type { Caller } from '../auth/caller.js';
import type { Credential, FalClient } from '../fal/client.js';
import { SERVER_TENANT } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { fetchModelsPage } from '../fal/platform.js';
import type { ModelEntry } from '../fal/schemas.js';
import type { Secret } from '../lib/secret.js';
import type { Logger } from '../log.js';
import {
  buildCatalogueFromModels,
  buildFallbackCatalogue,
  FALLBACK_TTL_MS,
  modelFromEntry,
} from './catalogue.js';
import { prepareSearch } from './search.js';
import type { CatalogueSnapshot, SharedCatalogue } from './shared-catalogue.js';
import type { Catalogue } from './types.js';

export interface RegistryOptions {
  fal: FalClient;
  /**
   * The operator's key, or undefined to crawl anonymously. Never a caller's key:
   * the catalogue is shared, and a caller's private apps must not leak into it.
   */
  crawlKey: Secret | undefined;
  ttlSeconds: number;
  logger: Logger;
  pageSize?: number;
  /** A runaway cursor cannot make the crawl loop forever. */
  maxPages?: number;
  now?: () => number;
  /** Other machines' catalogue (REDIS_URL): read instead of crawling when fresh; one crawl per TTL across all. */
  shared?: SharedCatalogue | undefined;
  /** A cold machine waits this long for another machine's crawl before crawling itself. */
  sharedWaitMs?: number;
}

/** While another machine refreshes, check for its snapshot this often. */
const SHARED_RECHECK_MS = 2000;

/** Where a catalogue came from: this process's crawl, or another machine's snapshot. */
type Loaded = CatalogueSnapshot & { origin: 'crawl' | 'snapshot' };

export interface RegistryStatus {
  loaded: boolean;
  source: Catalogue['source'] | undefined;
  models: number;
  ageSeconds: number | undefined;
  stale: boolean;
  refreshing: boolean;
  lastError: string | undefined;
  crawls: number;
}

/**
 * The process-wide model catalogue: crawled lazily, cached with a TTL, refreshed
 * by exactly one crawl at a time, served stale while it refreshes and kept when a
 * refresh fails. Without any catalogue it falls back to the seed's built-in list.
 */
export class ModelRegistry {
  readonly #opts: Required<Omit<RegistryOptions, 'crawlKey' | 'shared'>> & {
    crawlKey: Secret | undefined;
    shared: SharedCatalogue | undefined;
  };
  #catalogue: Catalogue | undefined;
  #inflight: Promise<Catalogue> | undefined;
  /** After a failed refresh, wait this long before trying again (callers keep the old data). */
  #retryAfter = 0;
  #lastError: string | undefined;
  #crawls = 0;

  constructor(options: RegistryOptions) {
    this.#opts = {
      pageSize: 100,
      maxPages: 200,
      now: Date.now,
      sharedWaitMs: 15_000,
      shared: undefined,
      ...options,
    };
  }

  /** What a caller's own search runs on: their key when they sent one, else the operator's; their tenant either way. */
  searchCredential(caller: Caller): Credential {
    return { key: caller.key ?? this.#opts.crawlKey, tenant: caller.tenant };
  }

  /** The current catalogue. Waits only when there is none yet. */
  async catalogue(): Promise<Catalogue> {
    const current = this.#catalogue;
    if (!current) return this.#refresh();
    if (this.#isExpired(current) && this.#opts.now() >= this.#retryAfter) {
      // Stale while revalidate: answer now, refresh once in the background.
      void this.#refresh().catch(() => undefined);
    }
    return current;
  }

  /** Start loading at boot so /ready turns 200 early. Never throws. */
  warm(): Promise<void> {
    return this.catalogue().then(
      () => undefined,
      () => undefined,
    );
  }

  status(): RegistryStatus {
    const c = this.#catalogue;
    return {
      loaded: c !== undefined,
      source: c?.source,
      models: c?.models.size ?? 0,
      ageSeconds: c ? Math.round((this.#opts.now() - c.fetchedAt) / 1000) : undefined,
      stale: c ? this.#isExpired(c) : false,
      refreshing: this.#inflight !== undefined,
      lastError: this.#lastError,
      crawls: this.#crawls,
    };
  }

  #isExpired(c: Catalogue): boolean {
    return this.#opts.now() - c.fetchedAt >= c.ttlMs;
  }

  /** Single flight: every caller during a refresh shares one crawl. */
  #refresh(): Promise<Catalogue> {
    this.#inflight ??= this.#crawlAndSwap().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #crawlAndSwap(): Promise<Catalogue> {
    const started = this.#opts.now();
    try {
      const loaded = await this.#load();
      const current = this.#catalogue;
      if (!loaded && current) {
        // Another machine is refreshing: keep serving ours, look for its snapshot shortly.
        this.#retryAfter = this.#opts.now() + SHARED_RECHECK_MS;
        return current;
      }
      const { origin, ...snapshot } = loaded ?? (await this.#crawlOnce());
      const next = this.#install(snapshot);
      this.#lastError = undefined;
      this.#opts.logger.info('model catalogue refreshed', {
        from: origin,
        models: next.models.size,
        aliases: next.aliases.size,
        skipped: next.skipped,
        repairedAliases: [...next.repairs.keys()],
        ms: this.#opts.now() - started,
      });
      return next;
    } catch (error) {
      const reason = describeFailure(error);
      this.#lastError = reason;
      this.#retryAfter = this.#opts.now() + FALLBACK_TTL_MS;
      const old = this.#catalogue;
      if (old) {
        this.#opts.logger.warn('catalogue refresh failed; keeping the stale catalogue', {
          reason,
          ageSeconds: Math.round((this.#opts.now() - old.fetchedAt) / 1000),
          source: old.source,
        });
        if (old.source === 'fallback') {
          // Keep the fallback's short TTL ticking from now so fal is retried soon.
          this.#catalogue = buildFallbackCatalogue(reason, this.#opts.now());
        }
        return this.#catalogue ?? old;
      }
      const stale = await this.#opts.shared?.read();
      if (stale) {
        // A cold machine while fal is down: another machine's old crawl beats the built-in list.
        this.#opts.logger.warn('catalogue unavailable; serving the last shared snapshot', {
          reason,
          ageSeconds: Math.round((this.#opts.now() - stale.fetchedAt) / 1000),
        });
        return this.#install(stale);
      }
      this.#opts.logger.warn('catalogue unavailable; serving the built-in fallback list', { reason });
      const fallback = buildFallbackCatalogue(reason, this.#opts.now());
      this.#catalogue = fallback;
      return fallback;
    }
  }

  /** Build, index (before publishing, so no caller pays for it) and swap in a live catalogue. */
  #install({ models, skipped, fetchedAt }: CatalogueSnapshot): Catalogue {
    const next = buildCatalogueFromModels(models, skipped, fetchedAt, this.#opts.ttlSeconds * 1000);
    prepareSearch(next);
    this.#catalogue = next;
    return next;
  }

  /**
   * With a shared catalogue: adopt a fresh snapshot, else crawl under the refresh
   * lock and publish. Undefined means another machine holds the lock and this
   * one already has a catalogue to serve meanwhile.
   */
  async #load(): Promise<Loaded | undefined> {
    const shared = this.#opts.shared;
    if (!shared) return this.#crawlOnce();
    const current = this.#catalogue;
    const ttlMs = this.#opts.ttlSeconds * 1000;
    const usable = (fetchedAt: number | undefined): fetchedAt is number =>
      fetchedAt !== undefined &&
      this.#opts.now() - fetchedAt < ttlMs &&
      (!current || current.source === 'fallback' || fetchedAt > current.fetchedAt);
    const version = await shared.version();
    if (usable(version)) {
      const snapshot = await shared.read();
      if (snapshot && usable(snapshot.fetchedAt)) return { ...snapshot, origin: 'snapshot' };
    }
    const lock = await shared.lock();
    if (lock.state === 'held') {
      if (current) return undefined;
      const awaited = await shared.waitForNewer(version ?? -1, this.#opts.sharedWaitMs);
      if (awaited) return { ...awaited, origin: 'snapshot' };
      // The machine holding the lock did not publish in time: crawl, as a lone machine would.
    }
    try {
      const crawled = await this.#crawlOnce();
      if (lock.state === 'acquired') await shared.publish(crawled);
      return crawled;
    } finally {
      if (lock.state === 'acquired') await lock.release();
    }
  }

  async #crawlOnce(): Promise<Loaded> {
    const { entries, skipped } = await this.#crawl();
    return { models: entries.map(modelFromEntry), skipped, fetchedAt: this.#opts.now(), origin: 'crawl' };
  }

  async #crawl(): Promise<{ entries: ModelEntry[]; skipped: number }> {
    this.#crawls++;
    const entries: ModelEntry[] = [];
    const seenCursors = new Set<string>();
    let skipped = 0;
    let cursor: string | undefined;
    for (let page = 0; page < this.#opts.maxPages; page++) {
      const result = await fetchModelsPage(
        this.#opts.fal,
        { limit: this.#opts.pageSize, cursor },
        { key: this.#opts.crawlKey, tenant: SERVER_TENANT },
      );
      if (page === 0 && result.models.length === 0) {
        this.#opts.logger.warn(
          'fal returned an empty first page of models; the catalogue may be incomplete',
          {
            skipped: result.skipped,
          },
        );
      }
      entries.push(...result.models);
      skipped += result.skipped;
      if (!result.hasMore || !result.nextCursor) return { entries, skipped };
      if (seenCursors.has(result.nextCursor)) {
        throw new FalError({ kind: 'bad_response', message: 'fal repeated a page cursor during the crawl' });
      }
      seenCursors.add(result.nextCursor);
      cursor = result.nextCursor;
    }
    throw new FalError({
      kind: 'bad_response',
      message: `the catalogue crawl exceeded ${this.#opts.maxPages} pages`,
    });
  }
}

/** A short reason in the seed's words ("API error (HTTP 500)", "API timeout", …). */
export function describeFailure(error: unknown): string {
  if (error instanceof FalError) {
    if (error.kind === 'bad_response') return `Unexpected response: ${error.message}`;
    if (error.status) return `API error (HTTP ${error.status})`;
    if (error.kind === 'unavailable')
      return error.message.includes('time') ? 'API timeout' : 'Connection error';
    return `Unexpected response: ${error.message}`;
  }
  return 'Unexpected error';
}

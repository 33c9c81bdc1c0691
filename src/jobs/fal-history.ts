import type { KeyedCaller } from '../auth/caller.js';
import type { FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { findRequest, type HistoryItem, searchRequests } from '../fal/history.js';
import { assertEndpointId } from '../fal/queue-paths.js';
import { deadline } from '../lib/deadline.js';
import { outcomeOfItem, timeOf } from './history-view.js';
import type { Outcome } from './job-record.js';

/** Pages of fal's history read for one listing (100 requests each), newest first. */
const MAX_PAGES = 5;
/** Pages read to find which model a bare request id went to. */
const LOOKUP_PAGES = 3;
/** The most a listing waits for fal's history by default, all pages together. */
const HISTORY_WAIT_MS = 8_000;

/** What a listing asks of fal's history. */
export interface HistoryWindow {
  /** Epoch ms: only requests sent since. */
  since: number;
  /** An endpoint id (already resolved). */
  model?: string | undefined;
  /** fal's semantic search over the caller's requests. */
  query?: string | undefined;
  limit: number;
}

/**
 * fal's request history for one key (`/v1/models/requests/…`): the requests of a
 * window, a forgotten result, the model a bare request id went to. Every read is
 * bounded (pages, time), and a refusal or a silence becomes a note, not an error.
 */
export class FalHistory {
  constructor(
    private readonly deps: {
      fal: FalClient;
      /** The most a listing waits for fal's history, all pages together (default 8 s). */
      waitMs?: number | undefined;
    },
  ) {}

  /**
   * The requests in the window (or nearest the query), newest first. Under a shared key
   * fal's history is everyone's: only `ours` (this access token's request ids) are kept.
   * When fal is slow, refuses or fails, `notes` says so and what is shown instead.
   */
  async window(
    caller: KeyedCaller,
    q: HistoryWindow,
    ours: ReadonlySet<string>,
    ourCount: number,
    notes: string[],
    signal?: AbortSignal,
  ): Promise<HistoryItem[]> {
    const shared = caller.mode === 'shared-key';
    if (shared && ours.size === 0) return [];
    const items: HistoryItem[] = [];
    let cursor: string | undefined;
    const waitMs = this.deps.waitMs ?? HISTORY_WAIT_MS;
    // fal's history slow or silent: the listing answers with what it has, saying so, in bounded time.
    const bounded = deadline(waitMs, signal);
    try {
      for (let page = 0; page < (q.query ? 1 : MAX_PAGES); page++) {
        const found = await searchRequests(
          this.deps.fal,
          { query: q.query, endpointIds: q.model ? [q.model] : undefined, limit: q.query ? 50 : 100, cursor },
          caller,
          bounded.signal,
        );
        for (const item of found.items) {
          const at = timeOf(item.sent_at) ?? timeOf(item.started_at);
          if (at !== undefined && at < q.since) continue;
          if (shared && !ours.has(item.request_id)) continue;
          items.push(item);
        }
        const oldest = timeOf(found.items.at(-1)?.sent_at);
        cursor = found.nextCursor;
        if (!cursor || (oldest !== undefined && oldest < q.since) || items.length > q.limit) break;
      }
    } catch (error) {
      const timedOut = bounded.signal.aborted && !signal?.aborted;
      if (signal?.aborted || !(error instanceof FalError || timedOut)) throw error;
      const here = `showing the ${ourCount} job(s) this server started in the window`;
      notes.push(
        timedOut
          ? `fal's request history did not answer within ${Math.round(waitMs / 1000)} s; ${items.length ? `${items.length} of its jobs and ` : ''}${here}.`
          : error instanceof FalError && (error.status === 401 || error.status === 403)
            ? `fal did not let this key read its request history (${error.status}: the key lacks the "models:requests:read" permission); ${here}.`
            : `fal's request history could not be read (${error instanceof Error ? error.message : String(error)}); ${here}.`,
      );
    } finally {
      bounded.clear();
    }
    return items;
  }

  /**
   * A request fal's queue no longer answers for, from fal's request history
   * (payloads kept 30 days unless the run was told not to store them).
   */
  async recover(
    caller: KeyedCaller,
    model: string,
    requestId: string,
    signal?: AbortSignal,
  ): Promise<Outcome | undefined> {
    const item = await findRequest(this.deps.fal, model, requestId, caller, signal).catch(() => undefined);
    return item ? outcomeOfItem(item) : undefined;
  }

  /** Which model a request went to, from fal's recent history (a request id alone, in a new conversation). */
  async modelOf(caller: KeyedCaller, requestId: string, signal?: AbortSignal): Promise<string | undefined> {
    let cursor: string | undefined;
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const found = await searchRequests(this.deps.fal, { limit: 100, cursor }, caller, signal).catch(
        () => undefined,
      );
      const hit = found?.items.find((i) => i.request_id === requestId);
      // Only an id that could be one: it becomes a queue path.
      if (hit) return isEndpointId(hit.endpoint_id) ? hit.endpoint_id : undefined;
      cursor = found?.nextCursor;
      if (!cursor) return undefined;
    }
    return undefined;
  }
}

function isEndpointId(id: string): boolean {
  try {
    assertEndpointId(id);
    return true;
  } catch {
    return false;
  }
}

import type { KeyedCaller } from '../auth/caller.js';
import type { FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { findRequest, type HistoryItem, searchRequests } from '../fal/history.js';
import { fetchStatus } from '../fal/queue.js';
import { assertEndpointId } from '../fal/queue-paths.js';
import { NICE_TO_HAVE_MS, settleWithin } from '../lib/deadline.js';
import type { Logger } from '../log.js';
import type { PricingService } from '../registry/pricing.js';
import { StoreUnavailableError } from '../store/store.js';
import { estimateRun } from './cost-model.js';
import {
  compactMedia,
  durationOf,
  type ListedJob,
  type ListedUpload,
  listedFromFal,
  listedUpload,
  matchesStatus,
  outcomeOfItem,
  type StatusFilter,
  timeOf,
} from './history-view.js';
import type { JobEntry, UploadEntry } from './job-index.js';
import type { Outcome } from './job-record.js';
import type { JobStore } from './job-store.js';
import { endedStatus } from './job-view.js';

/** Pages of fal's history read for one listing (100 requests each), newest first. */
const MAX_PAGES = 5;
/** Pages read to find which model a bare request id went to. */
const LOOKUP_PAGES = 3;
/** The most a listing waits for fal's history by default, all pages together. */
const HISTORY_WAIT_MS = 8_000;
/** Jobs started here whose state is asked of fal's queue, at most, per listing. */
const MAX_STATUS_CHECKS = 10;

export interface ListQuery {
  /** Epoch ms: only jobs submitted since. */
  since: number;
  status?: StatusFilter | undefined;
  /** An endpoint id (already resolved). */
  model?: string | undefined;
  /** fal's semantic search over the caller's requests. */
  query?: string | undefined;
  limit: number;
}

export interface JobListing {
  jobs: ListedJob[];
  uploads: ListedUpload[];
  /** More matched than `limit`. */
  more: boolean;
  notes: string[];
}

export interface JobHistoryDeps {
  fal: FalClient;
  store: JobStore;
  pricing: PricingService;
  logger: Logger;
  /** The most a listing waits for fal's history, all pages together (default 8 s). */
  historyWaitMs?: number | undefined;
}

/**
 * The caller's jobs: this server's records (the shared store) merged with
 * fal's request history, so the list survives a restart and shows jobs run
 * with the same key elsewhere. Under an operator's shared key fal's history is
 * everyone's: only requests this access token started here are shown.
 */
export class JobHistory {
  constructor(private readonly deps: JobHistoryDeps) {}

  async list(caller: KeyedCaller, q: ListQuery, signal?: AbortSignal): Promise<JobListing> {
    const notes: string[] = [];
    const { jobs: ours, uploads, all } = await this.#ours(caller, q, notes);
    const fal = await this.#falHistory(caller, q, all, ours.length, notes, signal);
    const merged = new Map<string, ListedJob>();
    for (const item of fal) merged.set(item.request_id, listedFromFal(item));
    // Newest first: unless a status filter must see them all, older ones than `limit` cannot be shown.
    const needed = q.status ? ours : ours.slice(0, q.limit + 1);
    const records = await inBatches(needed, (entry) => this.deps.store.find(caller.tenant, entry.id));
    for (const [i, entry] of needed.entries()) {
      const record = records[i];
      const fromFal = merged.get(entry.id);
      const outcome = record?.outcome;
      merged.set(entry.id, {
        request_id: entry.id,
        model: entry.model,
        status: outcome?.status ?? fromFal?.status ?? 'UNKNOWN',
        submitted_at: new Date(entry.at).toISOString(),
        ...durationOf(fromFal, outcome),
        ...(record?.estimate ? { estimated_cost_usd: record.estimate.usd } : {}),
        ...(record?.tool ? { tool: record.tool } : {}),
        ...(fromFal?.prompt ? { prompt: fromFal.prompt } : {}),
        ...(record?.payloadsDeleted ? { payloads_deleted: true } : {}),
        media: outcome ? compactMedia(outcome.media) : (fromFal?.media ?? []),
        ...(fromFal?.similarity !== undefined ? { similarity: fromFal.similarity } : {}),
        source: fromFal ? 'both' : 'here',
      });
    }
    let jobs = [...merged.values()];
    if (!q.query) jobs.sort((a, b) => b.submitted_at.localeCompare(a.submitted_at));
    await this.#settleUnknown(caller, jobs, signal);
    jobs = jobs.filter((j) => matchesStatus(j.status, q.status));
    const shown = jobs.slice(0, q.limit);
    await this.#estimateTheirs(caller, shown, fal, signal);
    return {
      jobs: shown,
      uploads: q.query || q.model || q.status ? [] : uploads.map(listedUpload),
      more: jobs.length > q.limit,
      notes,
    };
  }

  /** Note an upload made here, so list_jobs and delete_payloads can say it stays, and until when (ISO). */
  async rememberUpload(
    caller: KeyedCaller,
    file: {
      url: string;
      content_type: string;
      size?: number | undefined;
      expirationSeconds?: number | undefined;
      /** Sent through this server, or an upload URL handed to the caller (the bytes may never come). */
      how: 'uploaded' | 'upload_url_issued';
    },
  ): Promise<string | undefined> {
    this.deps.logger.audit('upload', {
      tenant: caller.tenant,
      tool: 'upload_file',
      outcome: file.how,
      content_type: file.content_type,
      size: file.size,
    });
    const at = Date.now();
    const expiresAt = file.expirationSeconds !== undefined ? at + file.expirationSeconds * 1000 : undefined;
    await this.deps.store.index.add(caller.tenant, {
      kind: 'upload',
      url: file.url,
      content_type: file.content_type,
      ...(file.size !== undefined ? { size: file.size } : {}),
      at,
      ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
    });
    return expiresAt !== undefined ? new Date(expiresAt).toISOString() : undefined;
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

  /** This server's index of the tenant's work: the jobs in the window, its uploads, and every job id it holds. */
  async #ours(caller: KeyedCaller, q: ListQuery, notes: string[]) {
    try {
      const entries = await this.deps.store.index.entries(caller.tenant);
      const jobs = entries.filter((e): e is JobEntry => e.kind === 'job');
      return {
        jobs: jobs.filter((e) => e.at >= q.since && (!q.model || e.model === q.model) && !q.query),
        uploads: entries.filter((e): e is UploadEntry => e.kind === 'upload' && e.at >= q.since),
        all: new Set(jobs.map((e) => e.id)),
      };
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      notes.push(
        "This server's job records are unreachable right now (shared store down): only fal's history is shown.",
      );
      return { jobs: [], uploads: [], all: new Set<string>() };
    }
  }

  /** fal's request history in the window (or nearest the query); under a shared key, only this tenant's requests. */
  async #falHistory(
    caller: KeyedCaller,
    q: ListQuery,
    ours: ReadonlySet<string>,
    ourCount: number,
    notes: string[],
    signal?: AbortSignal,
  ): Promise<HistoryItem[]> {
    const shared = caller.mode === 'shared-key';
    if (shared && ours.size === 0) return [];
    const items: HistoryItem[] = [];
    let cursor: string | undefined;
    // fal's history slow or silent: the listing answers with what it has, saying so, in bounded time.
    const deadline = AbortSignal.timeout(this.deps.historyWaitMs ?? HISTORY_WAIT_MS);
    const bounded = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      for (let page = 0; page < (q.query ? 1 : MAX_PAGES); page++) {
        const found = await searchRequests(
          this.deps.fal,
          { query: q.query, endpointIds: q.model ? [q.model] : undefined, limit: q.query ? 50 : 100, cursor },
          caller,
          bounded,
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
      if (signal?.aborted || !(error instanceof FalError || deadline.aborted)) throw error;
      const here = `showing the ${ourCount} job(s) this server started in the window`;
      notes.push(
        deadline.aborted
          ? `fal's request history did not answer within ${Math.round((this.deps.historyWaitMs ?? HISTORY_WAIT_MS) / 1000)} s; ${items.length ? `${items.length} of its jobs and ` : ''}${here}.`
          : error instanceof FalError && (error.status === 401 || error.status === 403)
            ? `fal did not let this key read its request history (${error.status}: the key lacks the "models:requests:read" permission); ${here}.`
            : `fal's request history could not be read (${error instanceof Error ? error.message : String(error)}); ${here}.`,
      );
    }
    return items;
  }

  /** Jobs started here with no known state: ask fal's queue, for a few, briefly. */
  async #settleUnknown(caller: KeyedCaller, jobs: ListedJob[], signal?: AbortSignal): Promise<void> {
    const unknown = jobs.filter((j) => j.status === 'UNKNOWN').slice(0, MAX_STATUS_CHECKS);
    const asking = Promise.all(
      unknown.map(async (job) => {
        const status = await fetchStatus(this.deps.fal, job.model, job.request_id, caller, { signal }).catch(
          () => undefined,
        );
        if (!status) return;
        job.status =
          status.status === 'COMPLETED' ? endedStatus(status.error, status.error_type) : status.status;
      }),
    );
    await settleWithin(asking, NICE_TO_HAVE_MS, undefined);
  }

  /** Jobs started elsewhere: estimated from their stored input at the caller's prices (one pricing call). */
  async #estimateTheirs(
    caller: KeyedCaller,
    jobs: ListedJob[],
    items: readonly HistoryItem[],
    signal?: AbortSignal,
  ): Promise<void> {
    const inputs = new Map(items.map((i) => [i.request_id, i.json_input]));
    const open = jobs.filter((j) => j.estimated_cost_usd === undefined && j.status === 'COMPLETED');
    const ids = [...new Set(open.map((j) => j.model))].slice(0, 50);
    if (ids.length === 0) return;
    const prices = await settleWithin(
      this.deps.pricing.prices(ids, caller, signal).catch(() => []),
      NICE_TO_HAVE_MS,
      [],
    );
    for (const job of open) {
      const price = prices.find((p) => p.endpoint_id === job.model);
      const input = inputs.get(job.request_id);
      if (!price || typeof input !== 'object' || input === null) continue;
      const estimate = estimateRun(input as Record<string, unknown>, {}, price, undefined);
      if (estimate) job.estimated_cost_usd = estimate.usd;
    }
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

/** Look records up 50 at a time: a tenant's window may hold hundreds, and each is a store round trip. */
async function inBatches<T, R>(items: readonly T[], find: (item: T) => Promise<R>): Promise<R[]> {
  const found: R[] = [];
  for (let at = 0; at < items.length; at += 50) {
    found.push(...(await Promise.all(items.slice(at, at + 50).map(find))));
  }
  return found;
}

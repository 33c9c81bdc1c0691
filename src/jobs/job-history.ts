import type { KeyedCaller } from '../auth/caller.js';
import type { FalClient } from '../fal/client.js';
import type { HistoryItem } from '../fal/history.js';
import { fetchStatus } from '../fal/queue.js';
import { NICE_TO_HAVE_MS, settleWithin } from '../lib/deadline.js';
import type { PricingService } from '../registry/pricing.js';
import { StoreUnavailableError } from '../store/store.js';
import { estimateRun } from './cost-model.js';
import type { FalHistory, HistoryWindow } from './fal-history.js';
import {
  compactMedia,
  durationOf,
  type ListedJob,
  type ListedUpload,
  listedFromFal,
  listedUpload,
  matchesStatus,
  type StatusFilter,
} from './history-view.js';
import type { JobEntry, UploadEntry } from './job-index.js';
import type { JobStore } from './job-store.js';
import { endedStatus } from './job-view.js';

/** Jobs started here whose state is asked of fal's queue, at most, per listing. */
const MAX_STATUS_CHECKS = 10;

export interface ListQuery extends HistoryWindow {
  status?: StatusFilter | undefined;
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
  falHistory: FalHistory;
  store: JobStore;
  pricing: PricingService;
}

/**
 * The caller's jobs (list_jobs, delete_payloads since): this server's records
 * (the shared store) merged with fal's request history, so the list survives a
 * restart and shows jobs run with the same key elsewhere. Under an operator's
 * shared key fal's history is everyone's: only requests this access token
 * started here are shown.
 */
export class JobHistory {
  constructor(private readonly deps: JobHistoryDeps) {}

  async list(caller: KeyedCaller, q: ListQuery, signal?: AbortSignal): Promise<JobListing> {
    const notes: string[] = [];
    const { jobs: ours, uploads, all } = await this.#ours(caller, q, notes);
    const fal = await this.deps.falHistory.window(caller, q, all, ours.length, notes, signal);
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

/** Look records up 50 at a time: a tenant's window may hold hundreds, and each is a store round trip. */
async function inBatches<T, R>(items: readonly T[], find: (item: T) => Promise<R>): Promise<R[]> {
  const found: R[] = [];
  for (let at = 0; at < items.length; at += 50) {
    found.push(...(await Promise.all(items.slice(at, at + 50).map(find))));
  }
  return found;
}

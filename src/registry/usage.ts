import type { KeyedCaller } from '../auth/caller.js';
import type { FalClient } from '../fal/client.js';
import { fetchUsage, MAX_USAGE_PAGES, type UsageQuery } from '../fal/platform.js';
import type { UsageRow } from '../fal/schemas.js';

export type { UsageQuery };
export { MAX_USAGE_PAGES };

/** One model's usage in a period, as get_usage shows it. */
export interface UsageLine {
  model: string;
  quantity: number;
  unit: string;
  cost: number;
  currency: string;
}

export interface UsageReport {
  summary: UsageLine[];
  /** The summary's cost added up per currency. */
  totals: { currency: string; cost: number }[];
  time_series: { bucket: string; results: UsageLine[] }[];
  /** fal had more pages than are read (MAX_USAGE_PAGES): the totals cover only the rows read. */
  partial: boolean;
}

/**
 * The caller's usage and spend (fal's usage API, admin keys): never cached, as
 * it moves with every run; read for the caller's own key only.
 */
export class UsageService {
  constructor(private readonly fal: FalClient) {}

  async report(query: UsageQuery, caller: KeyedCaller, signal?: AbortSignal): Promise<UsageReport> {
    const usage = await fetchUsage(this.fal, query, caller, signal);
    const summary = (usage.summary ?? []).map(lineOf);
    const byCurrency = new Map<string, number>();
    for (const r of summary) byCurrency.set(r.currency, (byCurrency.get(r.currency) ?? 0) + r.cost);
    return {
      summary,
      totals: [...byCurrency].map(([currency, cost]) => ({ currency, cost: Math.round(cost * 1e6) / 1e6 })),
      time_series: (usage.time_series ?? []).map((b) => ({
        bucket: b.bucket,
        results: b.results.map(lineOf),
      })),
      partial: usage.partial,
    };
  }
}

function lineOf(r: UsageRow): UsageLine {
  return {
    model: r.endpoint_id,
    quantity: r.quantity ?? 0,
    unit: r.unit ?? 'request',
    // cost_total replaced the deprecated cost field; read either.
    cost: r.cost_total ?? r.cost ?? 0,
    currency: r.currency ?? 'USD',
  };
}

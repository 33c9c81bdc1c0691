import type { FalModel } from './types.js';

export interface Ranked {
  model: FalModel;
  score: number;
  /** Bit i set: query word i matched. */
  mask: number;
}

export function byRank(a: Ranked, b: Ranked): number {
  return (
    b.score - a.score ||
    a.model.id.length - b.model.id.length ||
    (a.model.id < b.model.id ? -1 : a.model.id > b.model.id ? 1 : 0)
  );
}

/** The first k in rank order without sorting everything (k is usually 5–20 of hundreds). */
export function topK(items: Ranked[], k: number): Ranked[] {
  if (k <= 0) return [];
  if (k >= items.length / 4) return items.sort(byRank).slice(0, k);
  const best: Ranked[] = [];
  for (const item of items) {
    if (best.length === k && byRank(item, best[k - 1] as Ranked) >= 0) continue;
    // Binary insertion into the sorted shortlist.
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byRank(best[mid] as Ranked, item) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, item);
    if (best.length > k) best.pop();
  }
  return best;
}

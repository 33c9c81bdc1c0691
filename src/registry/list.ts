import { categoryMatcher } from './categories.js';
import { searchCatalogueCounted } from './search.js';
import type { Catalogue, FalModel } from './types.js';

export interface ListQuery {
  category?: string | undefined;
  search?: string | undefined;
  limit: number;
}

export interface ListResult {
  models: readonly FalModel[];
  /** How many models matched before the limit. */
  total: number;
}

/**
 * Browse the catalogue: category in either vocabulary, a limit, and an optional
 * text filter answered by the ranked local search (best matches first).
 */
export function listModels(catalogue: Catalogue, query: ListQuery): ListResult {
  const text = query.search?.trim();
  if (text) {
    const { hits, total } = searchCatalogueCounted(catalogue, {
      text,
      category: query.category,
      limit: query.limit,
      activeOnly: false,
    });
    return { models: hits.map((h) => h.model), total };
  }
  const matches = query.category ? inCategory(catalogue, query.category) : catalogue.list;
  return { models: matches.slice(0, query.limit), total: matches.length };
}

const byCategory = new WeakMap<Catalogue, Map<string, readonly FalModel[]>>();

/**
 * The catalogue's models in one category, computed once per catalogue: browsing
 * is the most common call and the catalogue is immutable until the next refresh.
 * Only non-empty results are kept, so the memo is bounded by the real categories.
 */
function inCategory(catalogue: Catalogue, category: string): readonly FalModel[] {
  const key = category.trim().toLowerCase();
  let memo = byCategory.get(catalogue);
  if (!memo) {
    memo = new Map();
    byCategory.set(catalogue, memo);
  }
  const known = memo.get(key);
  if (known) return known;
  const matches = categoryMatcher(key);
  const list = matches ? catalogue.list.filter((m) => matches(m.category)) : catalogue.list;
  if (list.length > 0) memo.set(key, list);
  return list;
}

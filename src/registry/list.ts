import { categoryMatcher } from './categories.js';
import { searchCatalogue } from './search.js';
import type { Catalogue, FalModel } from './types.js';

export interface ListQuery {
  category?: string | undefined;
  search?: string | undefined;
  limit: number;
}

export interface ListResult {
  models: FalModel[];
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
    const hits = searchCatalogue(catalogue, {
      text,
      category: query.category,
      limit: Number.POSITIVE_INFINITY,
      activeOnly: false,
    });
    return { models: hits.slice(0, query.limit).map((h) => h.model), total: hits.length };
  }
  const inCategory = categoryMatcher(query.category);
  const matches = inCategory ? catalogue.list.filter((m) => inCategory(m.category)) : catalogue.list;
  return { models: matches.slice(0, query.limit), total: matches.length };
}

import { categoryMatcher } from './categories.js';
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

/** Browse the catalogue: category in either vocabulary, a text filter, a limit. */
export function listModels(catalogue: Catalogue, query: ListQuery): ListResult {
  const inCategory = categoryMatcher(query.category);
  const needle = query.search?.trim().toLowerCase();
  const matches = catalogue.list.filter(
    (m) =>
      (!inCategory || inCategory(m.category)) &&
      (!needle ||
        m.name.toLowerCase().includes(needle) ||
        m.description.toLowerCase().includes(needle) ||
        m.id.toLowerCase().includes(needle)),
  );
  return { models: matches.slice(0, query.limit), total: matches.length };
}

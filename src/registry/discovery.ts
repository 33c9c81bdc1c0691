import type { Credential, FalClient } from '../fal/client.js';
import { fetchModelsPage } from '../fal/platform.js';
import type { Logger } from '../log.js';
import { modelFromEntry } from './catalogue.js';
import { CATEGORY_MAPPING, falCategoriesOf, isSimpleCategory } from './categories.js';
import { recommendationReason } from './recommend-reason.js';
import type { ModelRegistry } from './registry.js';
import { describeFailure } from './registry.js';
import type { SchemaSummary } from './schema-summary.js';
import { searchCatalogue } from './search.js';
import { type TaskPhrase, taskPhrases } from './search-words.js';
import type { Catalogue, FalModel } from './types.js';

export interface DiscoveryDeps {
  registry: ModelRegistry;
  fal: FalClient;
  logger: Logger;
}

export interface SearchOutcome {
  models: FalModel[];
  catalogue: Catalogue;
  /** `fal` when fal's own search answered, `local` when the local index did. */
  source: 'fal' | 'local';
  used_fallback: boolean;
  fallback_reason: string | undefined;
}

/**
 * fal's own search (`q`, `category`, `status=active`, `limit`), falling back to
 * the ranked local search on any failure, as the seed did. A simplified category
 * (`image`) covers several of fal's, so it is filtered here rather than upstream.
 */
export async function searchModels(
  deps: DiscoveryDeps,
  query: { text: string; category?: string | undefined; limit: number },
  as: Credential,
  signal?: AbortSignal,
): Promise<SearchOutcome> {
  const catalogue = await deps.registry.catalogue();
  const category = query.category?.trim().toLowerCase() || undefined;
  const simple = category && isSimpleCategory(category) ? category : undefined;
  const local = (reason: string | undefined): SearchOutcome => ({
    models: searchCatalogue(catalogue, { text: query.text, category, limit: query.limit }).map(
      (h) => h.model,
    ),
    catalogue,
    source: 'local',
    used_fallback: reason !== undefined,
    fallback_reason: reason,
  });

  let entries: FalModel[];
  try {
    const page = await fetchModelsPage(
      deps.fal,
      {
        q: query.text,
        status: 'active',
        limit: simple ? Math.min(100, Math.max(query.limit * 4, 40)) : query.limit,
        ...(category && !simple ? { category } : {}),
      },
      as,
      signal,
    );
    entries = page.models.map((e) => catalogue.models.get(e.endpoint_id) ?? modelFromEntry(e));
  } catch (error) {
    const reason = describeFailure(error);
    deps.logger.warn('fal search failed; answering from the local index', { reason });
    return local(reason);
  }
  if (simple) entries = entries.filter((m) => CATEGORY_MAPPING[m.category] === simple);
  // fal's search found nothing: the local index (typos, synonyms) may still help.
  if (entries.length === 0) return local(undefined);
  // The seed put highlighted models first; keep fal's relevance order otherwise (sort is stable).
  entries.sort((a, b) => Number(b.highlighted) - Number(a.highlighted));
  return {
    models: entries.slice(0, query.limit),
    catalogue,
    source: 'fal',
    used_fallback: false,
    fallback_reason: undefined,
  };
}

export interface Recommendation {
  model: FalModel;
  reason: string;
}

export interface RecommendOutcome extends Omit<SearchOutcome, 'models'> {
  recommendations: Recommendation[];
}

/** What the reasons may also say, from caches only (recommending never fetches a schema). */
export interface ReasonLookups {
  summaryOf?(id: string): SchemaSummary | undefined;
}

/**
 * Models for a task. fal's search and the local index are fused by reciprocal
 * rank, so a model that ranks well in either list surfaces (fal's search is semantic; the
 * local one knows synonyms, typos and task words). A simplified category covers
 * all of fal's categories of that kind (image → text-to-image and
 * image-to-image …), not only the first as in the seed; the kind's generative
 * category (text-to-*) gets a small lead. A task phrased the way users phrase
 * it ("make this blurry photo sharper") adds a third list, searched with the
 * catalogue's words for that task, counted triple: it is what the user meant.
 */
export async function recommendModels(
  deps: DiscoveryDeps,
  query: { task: string; category?: string | undefined; limit: number },
  as: Credential,
  signal?: AbortSignal,
  lookups: ReasonLookups = {},
): Promise<RecommendOutcome> {
  const pool = query.limit * 2;
  const found = await searchModels(
    deps,
    { text: query.task, category: query.category, limit: pool },
    as,
    signal,
  );
  const localHits = searchCatalogue(found.catalogue, {
    text: query.task,
    category: query.category,
    limit: pool,
  });
  const category = query.category?.trim().toLowerCase();
  const preferred = category && isSimpleCategory(category) ? falCategoriesOf(category)[0] : undefined;

  const RRF_K = 10;
  // A recognised task phrase outweighs fal's list and the word search together.
  const PHRASE_WEIGHT = 3;
  const fused = new Map<string, { model: FalModel; score: number; phrases: TaskPhrase[] }>();
  const add = (model: FalModel, rank: number, weight = 1, phrase?: TaskPhrase) => {
    const entry = fused.get(model.id) ?? { model, score: 0, phrases: [] };
    entry.score += weight / (RRF_K + rank);
    if (phrase) entry.phrases.push(phrase);
    fused.set(model.id, entry);
  };
  if (found.source === 'fal') {
    for (const [i, m] of found.models.entries()) add(m, i);
  }
  for (const [i, h] of localHits.entries()) add(h.model, i);
  for (const phrase of taskPhrases(query.task)) {
    const hits = searchCatalogue(found.catalogue, {
      text: phrase.search,
      category: query.category,
      categories: phrase.categories,
      limit: pool,
    });
    // Only models of the task's kind: "outpaint" also names an audio model, "speech" a transcriber.
    const fitting = hits.filter((h) => phrase.categories.includes(h.model.category));
    for (const [i, h] of fitting.entries()) add(h.model, i, PHRASE_WEIGHT, phrase);
  }
  const ranked = [...fused.values()]
    .map((e) => ({ ...e, score: e.score * (preferred && e.model.category === preferred ? 1.1 : 1) }))
    .sort((a, b) => b.score - a.score || a.model.id.localeCompare(b.model.id))
    .slice(0, query.limit);

  const { models: _omit, ...rest } = found;
  return {
    ...rest,
    recommendations: ranked.map(({ model, phrases }) => ({
      model,
      reason: recommendationReason(model, query.task, {
        catalogue: found.catalogue,
        phrases,
        summary: lookups.summaryOf?.(model.id),
      }),
    })),
  };
}

/** Search and recommendations as a service: bound once to the registry and the fal client. */
export class Discovery {
  constructor(private readonly deps: DiscoveryDeps) {}

  search(query: Parameters<typeof searchModels>[1], as: Credential, signal?: AbortSignal) {
    return searchModels(this.deps, query, as, signal);
  }

  recommend(
    query: Parameters<typeof recommendModels>[1],
    as: Credential,
    signal?: AbortSignal,
    lookups?: ReasonLookups,
  ) {
    return recommendModels(this.deps, query, as, signal, lookups);
  }
}

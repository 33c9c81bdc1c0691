import type { Credential, FalClient } from '../fal/client.js';
import { fetchModelsPage } from '../fal/platform.js';
import type { Logger } from '../log.js';
import { modelFromEntry } from './catalogue.js';
import { CATEGORY_MAPPING, falCategoriesOf, isSimpleCategory } from './categories.js';
import type { ModelRegistry } from './registry.js';
import { describeFailure } from './registry.js';
import { searchCatalogue, tokenize } from './search.js';
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

const CATEGORY_PURPOSE: Record<string, string> = {
  'text-to-image': 'text-to-image generation',
  'image-to-image': 'image transformation',
  'image-to-video': 'image-to-video animation',
  'text-to-video': 'text-to-video generation',
  'video-to-video': 'video transformation',
  'text-to-audio': 'audio generation',
  'speech-to-text': 'speech transcription',
  'text-to-speech': 'speech synthesis',
  'audio-to-audio': 'audio transformation',
  'audio-to-video': 'audio-driven video',
  'video-to-audio': 'soundtracks for video',
  'image-to-3d': 'image-to-3D reconstruction',
  'text-to-3d': 'text-to-3D generation',
  vision: 'image understanding',
  llm: 'text generation',
  training: 'fine-tuning',
};

export interface Recommendation {
  model: FalModel;
  reason: string;
}

export interface RecommendOutcome extends Omit<SearchOutcome, 'models'> {
  recommendations: Recommendation[];
}

/** Why a model suits a task, in the seed's words plus the task words it matched. */
export function recommendationReason(model: FalModel, task: string): string {
  const reasons: string[] = [];
  if (model.highlighted) reasons.push('Featured model by Fal.ai');
  if (model.groupLabel) reasons.push(`Part of ${model.groupLabel} family`);
  const purpose = CATEGORY_PURPOSE[model.category];
  if (purpose) reasons.push(`Supports ${purpose}`);
  // Singular and plural count as the same word ("photo" matches "photos").
  const stem = (w: string) => (w.length > 3 ? w.replace(/s$/, '') : w);
  const haystack = new Set(
    tokenize(`${model.id} ${model.name} ${model.description} ${model.tags.join(' ')} ${model.category}`).map(
      stem,
    ),
  );
  const matched = tokenize(task).filter((w) => haystack.has(stem(w)));
  if (matched.length > 0) reasons.push(`Matches "${[...new Set(matched)].join('", "')}"`);
  if (reasons.length === 0) reasons.push(`Matches search for '${task}'`);
  return reasons.join('; ');
}

/**
 * Models for a task. fal's search and the local index are fused by reciprocal
 * rank, so a model that ranks well in either list surfaces (fal's search is semantic; the
 * local one knows synonyms, typos and task words). A simplified category covers
 * all of fal's categories of that kind (image → text-to-image and
 * image-to-image …), not only the first as in the seed; the kind's generative
 * category (text-to-*) gets a small lead.
 */
export async function recommendModels(
  deps: DiscoveryDeps,
  query: { task: string; category?: string | undefined; limit: number },
  as: Credential,
  signal?: AbortSignal,
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
  const fused = new Map<string, { model: FalModel; score: number }>();
  const add = (model: FalModel, rank: number) => {
    const entry = fused.get(model.id) ?? { model, score: 0 };
    entry.score += 1 / (RRF_K + rank);
    fused.set(model.id, entry);
  };
  if (found.source === 'fal') {
    for (const [i, m] of found.models.entries()) add(m, i);
  }
  for (const [i, h] of localHits.entries()) add(h.model, i);
  const ranked = [...fused.values()]
    .map((e) => ({ ...e, score: e.score * (preferred && e.model.category === preferred ? 1.1 : 1) }))
    .sort((a, b) => b.score - a.score || a.model.id.localeCompare(b.model.id))
    .slice(0, query.limit);

  const { models: _omit, ...rest } = found;
  return {
    ...rest,
    recommendations: ranked.map(({ model }) => ({ model, reason: recommendationReason(model, query.task) })),
  };
}

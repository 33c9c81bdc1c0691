import type { ModelEntry } from '../fal/schemas.js';
import { buildAliases, LEGACY_ALIASES } from './aliases.js';
import type { Catalogue, FalModel } from './types.js';

/** The seed's fallback TTL: retry fal soon when we are serving the built-in list. */
export const FALLBACK_TTL_MS = 60_000;

export function modelFromEntry(entry: ModelEntry): FalModel {
  const meta = entry.metadata ?? undefined;
  const id = entry.endpoint_id;
  return {
    id,
    name: meta?.display_name || id,
    description: meta?.description ?? '',
    category: meta?.category ?? '',
    owner: id.split('/')[0] ?? '',
    status: meta?.status ?? 'active',
    tags: meta?.tags ?? [],
    highlighted: meta?.highlighted ?? false,
    groupKey: meta?.group?.key,
    groupLabel: meta?.group?.label,
    thumbnailUrl: meta?.thumbnail_url ?? undefined,
    modelUrl: meta?.model_url ?? undefined,
    updatedAt: meta?.updated_at ?? undefined,
    date: meta?.date ?? undefined,
  };
}

function assemble(
  models: Map<string, FalModel>,
  init: Pick<Catalogue, 'fetchedAt' | 'ttlMs' | 'source' | 'fallbackReason' | 'skipped'>,
): Catalogue {
  const { aliases, aliasesById, repairs } = buildAliases(models, init.source === 'live');
  const list = [...models.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { models, list, aliases, aliasesById, repairs, ...init };
}

export function buildCatalogue(
  entries: readonly ModelEntry[],
  skipped: number,
  now: number,
  ttlMs: number,
): Catalogue {
  return buildCatalogueFromModels(entries.map(modelFromEntry), skipped, now, ttlMs);
}

/** A live catalogue from models already normalised (a crawl, or another machine's snapshot). */
export function buildCatalogueFromModels(
  list: readonly FalModel[],
  skipped: number,
  fetchedAt: number,
  ttlMs: number,
): Catalogue {
  const models = new Map<string, FalModel>();
  for (const model of list) models.set(model.id, model);
  return assemble(models, { fetchedAt, ttlMs, source: 'live', fallbackReason: undefined, skipped });
}

/**
 * The seed's fallback: one model per legacy alias, named after it. Retired
 * targets are replaced by their last known successor, so even the offline list
 * never offers an id that fal would 404.
 */
export function buildFallbackCatalogue(reason: string, now: number): Catalogue {
  const models = new Map<string, FalModel>();
  for (const [alias, legacy] of Object.entries(LEGACY_ALIASES)) {
    const id = legacy.successor ?? legacy.target;
    if (models.has(id)) continue;
    models.set(id, {
      id,
      name: alias
        .split('_')
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join(' '),
      description: `Fal.ai ${legacy.category} model (${id})`,
      // Keep the finer fal category so category filters in both vocabularies work.
      category: legacy.task,
      owner: 'fal-ai',
      status: 'active',
      tags: [],
      highlighted: false,
      groupKey: undefined,
      groupLabel: undefined,
      thumbnailUrl: undefined,
      modelUrl: undefined,
      updatedAt: undefined,
      date: undefined,
    });
  }
  return assemble(models, {
    fetchedAt: now,
    ttlMs: FALLBACK_TTL_MS,
    source: 'fallback',
    fallbackReason: reason,
    skipped: 0,
  });
}

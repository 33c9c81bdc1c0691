import * as v from 'valibot';
import { serverChecked, unlisted } from '../lib/schema-marks.js';
import { PRICED_POOL, pricePool } from '../registry/priced.js';
import { READS } from './annotations.js';
import { defineTool } from './define-tool.js';
import { CatalogueSourceFields, CategoryParam, limitParam, ModelSummary, PriceParams } from './params.js';
import { modelLines, summarizeModel, withPrice } from './summaries.js';

export const searchModelsTool = defineTool({
  name: 'search_models',
  title: 'Search fal models',
  group: 'discovery',
  description:
    'Free-text search over fal\'s models ("portrait photo", "lip sync", "upscale video"). recommend_model: models for a task, with reasons; list_models: browse a category.',
  input: v.object({
    query: v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, 'a query is required'),
      v.maxLength(300),
      v.description('Words to search.'),
      serverChecked(),
    ),
    category: v.optional(CategoryParam),
    limit: limitParam(10, 50),
    ...PriceParams,
  }),
  output: v.object({
    models: v.array(ModelSummary),
    // Which search answered (fal's or the local index): the text says it.
    source: v.pipe(v.picklist(['fal', 'local']), unlisted()),
    ...CatalogueSourceFields,
  }),
  annotations: READS,
  needsKey: false,
  synonyms: { search: 'query', q: 'query', text: 'query', kind: 'category' },
  async handler(args, caller, { services, signal }) {
    const byPrice = args.max_unit_price_usd !== undefined || args.sort === 'price';
    const found = await services.discovery.search(
      { text: args.query, category: args.category, limit: byPrice ? PRICED_POOL : args.limit },
      services.registry.searchCredential(caller),
      signal,
    );
    const priced = await pricePool(
      services.pricing,
      caller,
      found.models.map((m) => summarizeModel(m, found.catalogue)),
      { limit: args.limit, maxUnitPriceUsd: args.max_unit_price_usd, sort: args.sort },
      signal,
    );
    const models = priced.items.map(withPrice);
    const fallback = found.used_fallback
      ? { fallback_reason: found.fallback_reason ?? 'fal search failed' }
      : {};
    const header =
      models.length === 0
        ? `No models match "${args.query}". Try other words or list_models with a category.`
        : `${models.length} model(s) for "${args.query}"${found.used_fallback ? ` (local index: ${found.fallback_reason})` : ''}:`;
    return {
      structured: { models, source: found.source, used_fallback: found.used_fallback, ...fallback },
      text: [header, modelLines(models), ...priced.notes].join('\n').trim(),
    };
  },
});

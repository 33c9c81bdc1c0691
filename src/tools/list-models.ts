import * as v from 'valibot';
import { serverChecked } from '../lib/schema-marks.js';
import { listModels } from '../registry/list.js';
import { PRICED_POOL, pricePool } from '../registry/priced.js';
import { READS } from './annotations.js';
import { defineTool } from './define-tool.js';
import { CatalogueSourceFields, CategoryParam, limitParam, ModelSummary, PriceParams } from './params.js';
import { fallbackFields, modelLines, summarizeModel, withPrice } from './summaries.js';

export const listModelsTool = defineTool({
  name: 'list_models',
  title: 'List fal models',
  group: 'discovery',
  description:
    "Browse fal's catalogue (1,000+ models) by kind and text. search_models for a free-text need, recommend_model to pick for a task. Returns endpoint ids, names, categories, aliases. Needs no key.",
  input: v.object({
    category: v.optional(CategoryParam),
    search: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.maxLength(200),
        serverChecked(),
        v.description('Text that must appear in the id, name or description.'),
      ),
    ),
    limit: limitParam(50, 200),
    ...PriceParams,
  }),
  output: v.object({
    models: v.array(ModelSummary),
    total: v.pipe(v.number(), v.description('Models matching the filters, before the limit.')),
    ...CatalogueSourceFields,
  }),
  annotations: READS,
  needsKey: false,
  synonyms: { query: 'search', q: 'search', text: 'search', kind: 'category' },
  async handler(args, caller, { services, signal }) {
    const catalogue = await services.registry.catalogue();
    const byPrice = args.max_unit_price_usd !== undefined || args.sort === 'price';
    // Priced in one call: the page, or when narrowing by price, the first 50 that match.
    const { models, total } = listModels(catalogue, {
      ...args,
      limit: byPrice ? PRICED_POOL : Math.min(args.limit, PRICED_POOL),
    });
    const rest = byPrice ? [] : listModels(catalogue, args).models.slice(PRICED_POOL);
    const priced = await pricePool(
      services.pricing,
      caller,
      models.map((m) => summarizeModel(m, catalogue)),
      { limit: args.limit, maxUnitPriceUsd: args.max_unit_price_usd, sort: args.sort },
      signal,
    );
    const summaries = [...priced.items.map(withPrice), ...rest.map((m) => summarizeModel(m, catalogue))];
    const fallback = fallbackFields(catalogue);
    const header =
      `${total} model(s) match; showing ${summaries.length}.` +
      (fallback.used_fallback ? ` (fal unreachable: built-in list; ${fallback.fallback_reason})` : '');
    return {
      structured: { models: summaries, total, ...fallback },
      text: [header, modelLines(summaries), ...priced.notes].join('\n'),
    };
  },
});

import * as v from 'valibot';
import { serverChecked, unlisted } from '../lib/schema-marks.js';
import { asksForCheap, PRICED_POOL, pricePool } from '../registry/priced.js';
import { READS } from './annotations.js';
import { defineTool } from './define-tool.js';
import { CatalogueSourceFields, CategoryParam, limitParam, ModelSummary, PriceParams } from './params.js';
import { priceLine, summarizeModel, withPrice } from './summaries.js';

/** Models ranked for the task before narrowing or ordering by price: one pricing call prices them all. */
const RECOMMEND_POOL = PRICED_POOL;

export const recommendModelTool = defineTool({
  name: 'recommend_model',
  title: 'Recommend models for a task',
  group: 'discovery',
  description:
    'Pick fal models for a task in plain words ("product photo on white", "animate this portrait"), each with why it fits (inputs, outputs, family, your price). Use it before run_model when unsure.',
  input: v.object({
    task: v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, 'describe the task'),
      v.maxLength(500),
      v.description('The task, in plain words.'),
      serverChecked(),
    ),
    category: v.optional(CategoryParam),
    limit: limitParam(5, 20),
    ...PriceParams,
  }),
  output: v.object({
    recommendations: v.array(v.object({ ...ModelSummary.entries, reason: v.string() })),
    source: v.pipe(v.picklist(['fal', 'local']), unlisted()),
    ...CatalogueSourceFields,
  }),
  annotations: READS,
  needsKey: false,
  synonyms: { query: 'task', description: 'task', prompt: 'task', kind: 'category' },
  async handler(args, caller, { services, signal }) {
    // "cheap", "budget", "affordable": the fitting models, cheapest first.
    const sort = args.sort ?? (caller.key && asksForCheap(args.task) ? 'price' : undefined);
    const byPrice = args.max_unit_price_usd !== undefined || sort === 'price';
    const found = await services.discovery.recommend(
      { task: args.task, category: args.category, limit: byPrice ? RECOMMEND_POOL : args.limit },
      services.registry.searchCredential(caller),
      signal,
      { summaryOf: (id) => services.schemas.cached(id)?.summary },
    );
    // By price, only models of the kind the task is about (the best match's): a cheap model of another kind fits nothing.
    const kind = found.recommendations[0]?.model.category;
    const fitting = byPrice
      ? found.recommendations.filter((r) => r.model.category === kind)
      : found.recommendations;
    const priced = await pricePool(
      services.pricing,
      caller,
      fitting.map((r) => ({ ...summarizeModel(r.model, found.catalogue), reason: r.reason })),
      { limit: args.limit, maxUnitPriceUsd: args.max_unit_price_usd, sort },
      signal,
    );
    const recommendations = priced.items.map((r) => {
      const summary = withPrice(r);
      const price = priceLine(summary);
      return { ...summary, reason: price ? `${r.reason}; Your price: ${price}` : r.reason };
    });
    const lines = recommendations.map((r, i) => `${i + 1}. ${r.id} — ${r.name}: ${r.reason}`);
    const fallback = found.used_fallback
      ? { fallback_reason: found.fallback_reason ?? 'fal search failed' }
      : {};
    return {
      structured: { recommendations, source: found.source, used_fallback: found.used_fallback, ...fallback },
      text:
        recommendations.length === 0
          ? `No model matches "${args.task}"${byPrice ? ' at that price' : ''}. Rephrase the task or browse with list_models.`
          : [...lines, ...priced.notes].join('\n'),
    };
  },
});

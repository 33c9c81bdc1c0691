import * as v from 'valibot';
import { serverChecked } from '../lib/schema-marks.js';
import { READS } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { listModels } from '../registry/list.js';
import { CatalogueSourceFields, CategoryParam, limitParam, ModelSummary } from './params.js';
import { fallbackFields, modelLines, summarizeModel } from './summaries.js';

export const listModelsTool = defineTool({
  name: 'list_models',
  title: 'List fal models',
  group: 'discovery',
  description:
    "Browse fal's catalogue (1,000+ models) by kind and a text filter. Use search_models for a free-text need, recommend_model to pick one for a task. Returns endpoint ids, names, categories, aliases. Needs no fal key.",
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
  }),
  output: v.object({
    models: v.array(ModelSummary),
    total: v.pipe(v.number(), v.description('Models matching the filters, before the limit.')),
    ...CatalogueSourceFields,
  }),
  annotations: READS,
  needsKey: false,
  synonyms: { query: 'search', q: 'search', text: 'search', kind: 'category' },
  async handler(args, _caller, { services }) {
    const catalogue = await services.registry.catalogue();
    const { models, total } = listModels(catalogue, args);
    const summaries = models.map((m) => summarizeModel(m, catalogue));
    const fallback = fallbackFields(catalogue);
    const header =
      `${total} model(s) match; showing ${summaries.length}.` +
      (fallback.used_fallback ? ` (fal unreachable: built-in list; ${fallback.fallback_reason})` : '');
    return {
      structured: { models: summaries, total, ...fallback },
      text: `${header}\n${modelLines(summaries)}`,
    };
  },
});

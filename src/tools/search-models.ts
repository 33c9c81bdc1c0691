import * as v from 'valibot';
import { serverChecked } from '../lib/schema-marks.js';
import { READS } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { searchModels } from '../registry/discovery.js';
import { CatalogueSourceFields, CategoryParam, limitParam, ModelSummary } from './params.js';
import { modelLines, summarizeModel } from './summaries.js';

export const searchModelsTool = defineTool({
  name: 'search_models',
  title: 'Search fal models',
  group: 'discovery',
  description:
    'Free-text search over fal\'s models ("portrait photo", "lip sync", "upscale video"). Use recommend_model for models fitting a task with reasons, list_models to browse a category.',
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
  }),
  output: v.object({
    models: v.array(ModelSummary),
    source: v.pipe(
      v.picklist(['fal', 'local']),
      v.description("Which search answered: fal's or the local index."),
    ),
    ...CatalogueSourceFields,
  }),
  annotations: READS,
  needsKey: false,
  synonyms: { search: 'query', q: 'query', text: 'query', kind: 'category' },
  async handler(args, caller, { services, signal }) {
    const found = await searchModels(
      services,
      { text: args.query, category: args.category, limit: args.limit },
      services.registry.searchCredential(caller),
      signal,
    );
    const models = found.models.map((m) => summarizeModel(m, found.catalogue));
    const fallback = found.used_fallback
      ? { fallback_reason: found.fallback_reason ?? 'fal search failed' }
      : {};
    const header =
      models.length === 0
        ? `No models match "${args.query}". Try other words or list_models with a category.`
        : `${models.length} model(s) for "${args.query}"${found.used_fallback ? ` (local index: ${found.fallback_reason})` : ''}:`;
    return {
      structured: { models, source: found.source, used_fallback: found.used_fallback, ...fallback },
      text: `${header}\n${modelLines(models)}`.trim(),
    };
  },
});

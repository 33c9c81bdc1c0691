import * as v from 'valibot';
import { serverChecked, unlisted } from '../lib/schema-marks.js';

/** Shared parameter and result pieces, so every tool describes one idea with the same words. */

export const CategoryParam = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.description('image, video, audio, 3d, text, or a fal category.'),
);

export const limitParam = (fallback: number, max: number) =>
  v.optional(
    v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max), v.description('Results.')),
    fallback,
  );

export const ModelSummary = v.object({
  id: v.pipe(v.string(), v.description('Endpoint id to pass to other tools, e.g. fal-ai/flux/dev.')),
  name: v.string(),
  category: v.string(),
  description: v.string(),
  aliases: v.array(v.string()),
  status: v.string(),
  /** The caller's own price (keyed callers). */
  unit_price: v.optional(v.number()),
  unit: v.optional(v.string()),
  /** The cheapest or dearest of its family among those listed, in one unit. */
  family_role: v.optional(v.picklist(['budget', 'premium'])),
});

/** Narrow and order a list by the caller's own prices (one pricing call for the page). */
export const PriceParams = {
  max_unit_price_usd: v.optional(
    v.pipe(v.number(), v.minValue(0), v.description('Your unit price at most (USD).'), serverChecked()),
  ),
  sort: v.optional(v.pipe(v.picklist(['relevance', 'price']), v.description('price: cheapest first.'))),
};
export type ModelSummary = v.InferOutput<typeof ModelSummary>;

export const CatalogueSourceFields = {
  // The text says when a cached or built-in list answered, and why.
  used_fallback: v.pipe(v.boolean(), unlisted()),
  fallback_reason: v.optional(v.pipe(v.string(), unlisted())),
};

export const ModelNameParam = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'a model name is required'),
  v.maxLength(200),
  v.regex(
    /^(?!.*(^|\/)\.{1,2}(\/|$))[A-Za-z0-9][\w.-]*(\/[\w.-]+)*$/,
    'an endpoint id like fal-ai/flux/dev or an alias like flux_dev (letters, digits, "_", "-", ".", "/")',
  ),
  v.description('e.g. fal-ai/flux/dev or flux_dev.'),
  serverChecked(),
);

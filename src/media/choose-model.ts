import { UserError } from '../errors.js';
import { resolveModel } from '../registry/resolve.js';
import { searchCatalogue } from '../registry/search.js';
import type { Catalogue } from '../registry/types.js';
import type { Services } from '../services.js';

/** One mode of a task tool: which kinds of model fit and which one to use by default. */
export interface TaskMode {
  /** What the mode does, for messages: "text-to-image generation". */
  label: string;
  /** fal categories a model must be in. */
  categories: readonly string[];
  defaultModel: string;
  /** Words that find a replacement when the default has left the catalogue. */
  keywords: string;
}

export interface ModelChoice {
  model: string;
  notes: string[];
}

function alternatives(catalogue: Catalogue, mode: TaskMode, limit = 5): string[] {
  const ids = mode.categories.flatMap((category) =>
    searchCatalogue(catalogue, { text: mode.keywords, category, limit }).map((h) => h.model.id),
  );
  return [...new Set([mode.defaultModel, ...ids])].filter((id) => catalogue.models.has(id)).slice(0, limit);
}

/**
 * The caller's model (any id or alias, but of the right kind) or the mode's
 * default; a default that fal has retired falls forward to the best live
 * model of the same kind, and the result says so.
 */
export async function chooseModel(
  services: Services,
  mode: TaskMode,
  requested: string | undefined,
): Promise<ModelChoice> {
  const catalogue = await services.registry.catalogue();
  if (requested) {
    const resolved = resolveModel(catalogue, requested);
    const notes = resolved.note ? [resolved.note] : [];
    const category = resolved.model?.category;
    if (category && !mode.categories.includes(category)) {
      throw new UserError(
        `${resolved.id} is a ${category} model; this needs ${mode.label} (${mode.categories.join(' or ')}). ` +
          `Try: ${alternatives(catalogue, mode).join(', ')}. Or use run_model to call any model directly.`,
      );
    }
    if (!category) notes.push(`${resolved.id} is not in the public catalogue, so its kind was not checked.`);
    return { model: resolved.id, notes };
  }
  if (catalogue.source === 'fallback' || catalogue.models.has(mode.defaultModel)) {
    return { model: mode.defaultModel, notes: [] };
  }
  const replacement = alternatives(catalogue, mode, 1)[0];
  if (!replacement) {
    throw new UserError(
      `No ${mode.label} model is in fal's catalogue right now; pass one with the model parameter.`,
    );
  }
  return {
    model: replacement,
    notes: [
      `The default ${mode.defaultModel} is no longer in fal's catalogue; using ${replacement}, the best match for ${mode.label}.`,
    ],
  };
}

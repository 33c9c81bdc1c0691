import type { Catalogue, FalModel } from '../registry/types.js';
import type { ModelSummary } from './params.js';

const DESCRIPTION_BUDGET = 200;

export function summarizeModel(model: FalModel, catalogue: Catalogue): ModelSummary {
  const description =
    model.description.length > DESCRIPTION_BUDGET
      ? `${model.description.slice(0, DESCRIPTION_BUDGET - 1)}…`
      : model.description;
  return {
    id: model.id,
    name: model.name,
    category: model.category,
    description,
    aliases: [...(catalogue.aliasesById.get(model.id) ?? [])],
    status: model.status,
  };
}

export function fallbackFields(catalogue: Catalogue): { used_fallback: boolean; fallback_reason?: string } {
  return catalogue.source === 'fallback'
    ? { used_fallback: true, fallback_reason: catalogue.fallbackReason ?? 'fal catalogue unavailable' }
    : { used_fallback: false };
}

/** One line per model for the text mirror. */
export function modelLines(models: readonly ModelSummary[]): string {
  return models.map((m) => `- ${m.id} — ${m.name} [${m.category}]`).join('\n');
}

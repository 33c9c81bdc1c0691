import { priceWords } from '../registry/priced.js';
import type { Price } from '../registry/pricing.js';
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

/** A summary with the caller's price and the model's place in its family, when known. */
export function withPrice(
  priced: ModelSummary & { price?: Price | undefined; family_role?: 'budget' | 'premium' | undefined },
): ModelSummary {
  const { price, family_role, ...summary } = priced;
  return {
    ...summary,
    ...(price ? { unit_price: price.unit_price, unit: price.unit } : {}),
    ...(family_role ? { family_role } : {}),
  };
}

/** The price part of a model's line: "$0.025 per megapixels, the budget choice of its family". */
export function priceLine(m: ModelSummary): string {
  if (m.unit_price === undefined || !m.unit) return '';
  const role = m.family_role ? `, the ${m.family_role} choice of its family` : '';
  return `${priceWords({ endpoint_id: m.id, unit_price: m.unit_price, unit: m.unit, currency: 'USD' })}${role}`;
}

/** One line per model for the text mirror. */
export function modelLines(models: readonly ModelSummary[]): string {
  return models
    .map((m) => {
      const price = priceLine(m);
      return `- ${m.id} — ${m.name} [${m.category}]${price ? ` — ${price}` : ''}`;
    })
    .join('\n');
}

import * as v from 'valibot';
import { UnknownModelError } from '../errors.js';
import { closestNames, type Resolution, resolveModel } from '../registry/resolve.js';
import { READS } from './annotations.js';
import { defineTool } from './define-tool.js';
import { ModelNameParam } from './params.js';

export const getPricingTool = defineTool({
  name: 'get_pricing',
  title: 'Get model prices',
  group: 'discovery',
  description:
    'Your unit prices for up to 50 models (per image, megapixel, second, …); estimate_cost totals a batch, get_account gives your balance.',
  input: v.object({
    models: v.pipe(
      v.array(ModelNameParam),
      v.minLength(1, 'give at least one model'),
      v.maxLength(50, 'at most 50 models per call'),
      v.description('Endpoint ids or aliases.'),
    ),
  }),
  output: v.object({
    prices: v.array(
      v.object({ model: v.string(), unit_price: v.number(), unit: v.string(), currency: v.string() }),
    ),
    /** Names that are not fal models, each with the closest that are. */
    unknown: v.array(v.object({ model: v.string(), closest: v.array(v.string()) })),
    notes: v.array(v.string()),
  }),
  annotations: READS,
  needsKey: 'any',
  synonyms: { endpoint_ids: 'models', model_ids: 'models' },
  async handler(args, caller, { services, signal }) {
    const catalogue = await services.registry.catalogue();
    const unknown: { model: string; closest: string[] }[] = [];
    const resolved: Resolution[] = [];
    let firstUnknown: UnknownModelError | undefined;
    for (const name of args.models) {
      try {
        resolved.push(resolveModel(catalogue, name));
      } catch (error) {
        if (!(error instanceof UnknownModelError)) throw error;
        firstUnknown ??= error;
        unknown.push({ model: name, closest: [...error.suggestions] });
      }
    }
    // Nothing to price: the plain "unknown model" refusal says it best.
    if (resolved.length === 0 && firstUnknown) throw firstUnknown;
    const notes = resolved.flatMap((r) => (r.note ? [r.note] : []));
    const { found, unpriced } = await services.pricing.pricesApart(
      resolved.filter((r) => r.model).map((r) => r.id),
      resolved.filter((r) => !r.model).map((r) => r.id),
      caller,
      signal,
    );
    for (const id of unpriced) unknown.push({ model: id, closest: closestNames(catalogue, id) });
    const prices = found.map((p) => ({
      model: p.endpoint_id,
      unit_price: p.unit_price,
      unit: p.unit,
      currency: p.currency,
    }));
    const lines = [
      ...prices.map((p) => `- ${p.model}: ${p.unit_price} ${p.currency} per ${p.unit}`),
      ...unknown.map(
        (u) =>
          `- ${u.model}: not a fal model${u.closest.length ? `; closest: ${u.closest.join(', ')}` : ''} (search_models finds one by what it does)`,
      ),
    ];
    return { structured: { prices, unknown, notes }, text: [...lines, ...notes].join('\n') };
  },
});

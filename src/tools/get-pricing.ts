import * as v from 'valibot';
import { READS } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { resolveModel } from '../registry/resolve.js';
import { ModelNameParam } from './params.js';

export const getPricingTool = defineTool({
  name: 'get_pricing',
  title: 'Get model prices',
  group: 'discovery',
  description:
    "Unit prices of up to 50 models for the caller's fal account (per image, megapixel, second, …). " +
    'Use before running expensive models; use estimate_cost for the total of a planned batch. Needs a fal key.',
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
    notes: v.array(v.string()),
  }),
  annotations: READS,
  needsKey: 'any',
  synonyms: { endpoint_ids: 'models', model_ids: 'models' },
  async handler(args, caller, { services, signal }) {
    const catalogue = await services.registry.catalogue();
    const resolved = args.models.map((m) => resolveModel(catalogue, m));
    const notes = resolved.flatMap((r) => (r.note ? [r.note] : []));
    const found = await services.pricing.prices(
      resolved.map((r) => r.id),
      caller,
      signal,
    );
    const prices = found.map((p) => ({
      model: p.endpoint_id,
      unit_price: p.unit_price,
      unit: p.unit,
      currency: p.currency,
    }));
    const lines = prices.map((p) => `- ${p.model}: ${p.unit_price} ${p.currency} per ${p.unit}`);
    return { structured: { prices, notes }, text: [...lines, ...notes].join('\n') };
  },
});

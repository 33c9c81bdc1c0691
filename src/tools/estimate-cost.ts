import * as v from 'valibot';
import { UserError } from '../errors.js';
import { fetchEstimate } from '../fal/platform.js';
import { READS } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { resolveModel } from '../registry/resolve.js';
import { ModelNameParam } from './params.js';

export const estimateCostTool = defineTool({
  name: 'estimate_cost',
  title: 'Estimate the cost of a batch',
  group: 'discovery',
  description:
    'Total cost of planned work. estimate_type "historical_api_price" takes a ' +
    'number of calls per model (priced from typical past calls); "unit_price" takes billing units per model ' +
    "(see get_pricing for each model's unit). Needs a fal key.",
  input: v.object({
    estimate_type: v.optional(
      v.pipe(v.picklist(['historical_api_price', 'unit_price']), v.description('Per call or per unit.')),
      'historical_api_price',
    ),
    items: v.pipe(
      v.array(
        v.object({
          model: ModelNameParam,
          quantity: v.pipe(
            v.number(),
            v.minValue(0),
            v.maxValue(1_000_000),
            v.description('Calls (historical_api_price) or billing units (unit_price).'),
          ),
        }),
      ),
      v.minLength(1, 'give at least one item'),
      v.maxLength(50, 'at most 50 items'),
      v.description('Up to 50.'),
    ),
  }),
  output: v.object({
    estimate_type: v.string(),
    total_cost: v.number(),
    currency: v.string(),
    items: v.array(v.object({ model: v.string(), quantity: v.number() })),
    notes: v.array(v.string()),
  }),
  annotations: READS,
  needsKey: 'any',
  async handler(args, caller, { services, signal }) {
    // fal's own rules, checked before any call: calls are whole and at least one, units above zero.
    const calls = args.estimate_type === 'historical_api_price';
    const bad = args.items.flatMap((item, i) =>
      calls
        ? Number.isInteger(item.quantity) && item.quantity >= 1
          ? []
          : [
              `items[${i}].quantity (${item.model}): ${item.quantity} calls — a number of calls is a whole number, at least 1`,
            ]
        : item.quantity > 0
          ? []
          : [`items[${i}].quantity (${item.model}): ${item.quantity} units — billing units must be above 0`],
    );
    if (bad.length > 0) {
      throw new UserError(
        `${bad.join('; ')}. ${calls ? 'For fractional amounts use estimate_type "unit_price" with billing units (see get_pricing).' : ''}`.trim(),
      );
    }
    const catalogue = await services.registry.catalogue();
    const totals = new Map<string, number>();
    const notes: string[] = [];
    for (const item of args.items) {
      const r = resolveModel(catalogue, item.model);
      if (r.note) notes.push(r.note);
      totals.set(r.id, (totals.get(r.id) ?? 0) + item.quantity);
    }
    const body =
      args.estimate_type === 'unit_price'
        ? {
            estimate_type: 'unit_price' as const,
            endpoints: Object.fromEntries([...totals].map(([id, q]) => [id, { unit_quantity: q }])),
          }
        : {
            estimate_type: 'historical_api_price' as const,
            endpoints: Object.fromEntries([...totals].map(([id, q]) => [id, { call_quantity: q }])),
          };
    const estimate = await fetchEstimate(services.fal, body, caller, signal);
    const items = [...totals].map(([model, quantity]) => ({ model, quantity }));
    const unit = args.estimate_type === 'unit_price' ? 'units' : 'calls';
    const text = [
      `Estimated total: ${estimate.total_cost} ${estimate.currency} (${estimate.estimate_type})`,
      ...items.map((i) => `- ${i.model}: ${i.quantity} ${unit}`),
      ...notes,
    ].join('\n');
    return {
      structured: {
        estimate_type: estimate.estimate_type,
        total_cost: estimate.total_cost,
        currency: estimate.currency,
        items,
        notes,
      },
      text,
    };
  },
});

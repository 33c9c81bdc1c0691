import * as v from 'valibot';
import { unlisted } from '../lib/schema-marks.js';
import { resolveModel } from '../registry/resolve.js';
import { READS } from './annotations.js';
import { defineTool } from './define-tool.js';
import { ModelNameParam } from './params.js';

export const estimateCostTool = defineTool({
  name: 'estimate_cost',
  title: 'Estimate the cost of a batch',
  group: 'discovery',
  description:
    'Total cost of planned work. An item with its run input is priced as run_model states it; others by estimate_type: calls at typical past prices, or billing units.',
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
            v.description('Calls, or units (unit_price).'),
          ),
          input: v.optional(v.pipe(v.record(v.string(), v.unknown()), v.description('Its run input.'))),
        }),
      ),
      v.minLength(1, 'give at least one item'),
      v.maxLength(50, 'at most 50 items'),
      v.description('Up to 50.'),
    ),
  }),
  output: v.object({
    estimate_type: v.pipe(v.string(), unlisted()),
    total_cost: v.number(),
    currency: v.pipe(v.string(), unlisted()),
    items: v.array(
      v.object({
        model: v.string(),
        quantity: v.number(),
        estimate_usd: v.optional(v.number()),
        basis: v.optional(v.string()),
      }),
    ),
    notes: v.array(v.string()),
  }),
  annotations: READS,
  needsKey: 'any',
  async handler(args, caller, { services, signal }) {
    const catalogue = await services.registry.catalogue();
    const notes: string[] = [];
    const items = args.items.map((item) => {
      const r = resolveModel(catalogue, item.model);
      if (r.note) notes.push(r.note);
      return { ...item, model: r.id, asked: item.model };
    });
    const plan = await services.planEstimates.estimate(items, args.estimate_type, caller, signal);
    const unit = args.estimate_type === 'historical_api_price' ? 'calls' : 'units';
    const text = [
      `Estimated total: ${plan.total} ${plan.currency} (${plan.basis})`,
      ...plan.perRun.map((i) => `- ${i.model}: ${i.quantity} run(s) × $${i.estimate_usd} (${i.basis})`),
      ...plan.counted.map((i) => `- ${i.model}: ${i.quantity} ${unit}`),
      ...notes,
    ].join('\n');
    return {
      structured: {
        estimate_type: plan.basis,
        total_cost: plan.total,
        currency: plan.currency,
        items: [...plan.perRun, ...plan.counted],
        notes,
      },
      text,
    };
  },
});

import * as v from 'valibot';
import { UserError } from '../errors.js';
import { fetchEstimate } from '../fal/platform.js';
import { unlisted } from '../lib/schema-marks.js';
import { READS } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { resolveModel } from '../registry/resolve.js';
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
    // fal's own rules, checked before any call: calls are whole and at least one, units above zero.
    const calls = args.estimate_type === 'historical_api_price';
    const bad = args.items.flatMap((item, i) =>
      calls || item.input
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
    const notes: string[] = [];
    const resolved = args.items.map((item) => {
      const r = resolveModel(catalogue, item.model);
      if (r.note) notes.push(r.note);
      return { ...item, model: r.id };
    });
    // An item with its input: the per-run figure a run states (quantity = runs).
    const perRun = await Promise.all(
      resolved
        .filter((item) => item.input)
        .map(async (item) => {
          const { estimate, why } = await services.jobs.estimate(
            item.model,
            item.input ?? {},
            caller,
            signal,
          );
          if (!estimate) throw new UserError(`The cost of ${item.model} could not be estimated (${why}).`);
          return {
            model: item.model,
            quantity: item.quantity,
            estimate_usd: estimate.usd,
            basis: estimate.basis,
          };
        }),
    );
    const totals = new Map<string, number>();
    for (const item of resolved.filter((i) => !i.input)) {
      totals.set(item.model, (totals.get(item.model) ?? 0) + item.quantity);
    }
    const fal =
      totals.size === 0
        ? undefined
        : await fetchEstimate(
            services.fal,
            calls
              ? {
                  estimate_type: 'historical_api_price',
                  endpoints: Object.fromEntries([...totals].map(([id, q]) => [id, { call_quantity: q }])),
                }
              : {
                  estimate_type: 'unit_price',
                  endpoints: Object.fromEntries([...totals].map(([id, q]) => [id, { unit_quantity: q }])),
                },
            caller,
            signal,
          );
    const runs = perRun.reduce((sum, i) => sum + i.quantity * i.estimate_usd, 0);
    const total = Math.round(((fal?.total_cost ?? 0) + runs) * 10_000) / 10_000;
    const estimateType = [perRun.length ? 'per_input' : '', fal?.estimate_type ?? '']
      .filter(Boolean)
      .join(' + ');
    const items = [...perRun, ...[...totals].map(([model, quantity]) => ({ model, quantity }))];
    const unit = calls ? 'calls' : 'units';
    const text = [
      `Estimated total: ${total} ${fal?.currency ?? 'USD'} (${estimateType})`,
      ...perRun.map((i) => `- ${i.model}: ${i.quantity} run(s) × $${i.estimate_usd} (${i.basis})`),
      ...[...totals].map(([model, quantity]) => `- ${model}: ${quantity} ${unit}`),
      ...notes,
    ].join('\n');
    return {
      structured: {
        estimate_type: estimateType,
        total_cost: total,
        currency: fal?.currency ?? 'USD',
        items,
        notes,
      },
      text,
    };
  },
});

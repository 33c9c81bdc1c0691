import * as v from 'valibot';
import { fetchUsage, MAX_USAGE_PAGES } from '../fal/platform.js';
import type { UsageRow } from '../fal/schemas.js';
import { serverChecked, unlisted } from '../lib/schema-marks.js';
import { READS_LIVE } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { resolveModel } from '../registry/resolve.js';
import { ModelNameParam } from './params.js';

const DateParam = v.pipe(
  v.string(),
  v.trim(),
  v.regex(
    /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/,
    'an ISO 8601 date or date-time, e.g. 2026-11-01',
  ),
  v.description('ISO 8601 date or date-time.'),
  serverChecked(),
);

const Row = v.object({
  model: v.string(),
  quantity: v.number(),
  unit: v.string(),
  cost: v.number(),
  currency: v.string(),
});

function toRow(r: UsageRow) {
  return {
    model: r.endpoint_id,
    quantity: r.quantity ?? 0,
    unit: r.unit ?? 'request',
    // cost_total replaced the deprecated cost field; read either.
    cost: r.cost_total ?? r.cost ?? 0,
    currency: r.currency ?? 'USD',
  };
}

export const getUsageTool = defineTool({
  name: 'get_usage',
  title: 'Get usage and spend',
  group: 'discovery',
  description:
    "Usage and spend of the caller's fal account per model, for a date range (default: the last 24 h; end " +
    'exclusive). Needs an admin fal key.',
  input: v.object({
    start: v.optional(DateParam),
    end: v.optional(DateParam),
    models: v.optional(
      v.pipe(v.array(ModelNameParam), v.maxLength(50, 'at most 50 models'), v.description('Only these.')),
    ),
    timeframe: v.optional(
      v.pipe(v.picklist(['minute', 'hour', 'day', 'week', 'month']), v.description('Series buckets.')),
    ),
    include_time_series: v.optional(v.pipe(v.boolean(), v.description('Per bucket too.')), false),
  }),
  output: v.object({
    summary: v.array(Row),
    totals: v.array(v.object({ currency: v.string(), cost: v.number() })),
    time_series: v.optional(v.array(v.object({ bucket: v.string(), results: v.array(Row) }))),
    /** More usage than this server reads in one call: the totals cover only the rows read. */
    partial: v.pipe(v.boolean(), unlisted()),
  }),
  annotations: READS_LIVE,
  needsKey: 'admin',
  async handler(args, caller, { services, signal }) {
    const catalogue = await services.registry.catalogue();
    const endpointIds = (args.models ?? []).map((m) => resolveModel(catalogue, m).id);
    const usage = await fetchUsage(
      services.fal,
      {
        start: args.start,
        end: args.end,
        endpointIds,
        timeframe: args.timeframe,
        timeSeries: args.include_time_series,
      },
      caller,
      signal,
    );
    const summary = (usage.summary ?? []).map(toRow);
    const byCurrency = new Map<string, number>();
    for (const r of summary) byCurrency.set(r.currency, (byCurrency.get(r.currency) ?? 0) + r.cost);
    const totals = [...byCurrency].map(([currency, cost]) => ({
      currency,
      cost: Math.round(cost * 1e6) / 1e6,
    }));
    const timeSeries = args.include_time_series
      ? (usage.time_series ?? []).map((b) => ({ bucket: b.bucket, results: b.results.map(toRow) }))
      : undefined;
    const partial = usage.partial
      ? [
          `Partial: fal has more than ${MAX_USAGE_PAGES} pages of usage for this query; the totals cover only ` +
            'the rows read. Narrow the date range or name the models.',
        ]
      : [];
    const text =
      summary.length === 0
        ? ['No usage in this period.', ...partial].join('\n')
        : [
            `Total${usage.partial ? ' (partial)' : ''}: ${totals.map((t) => `${t.cost} ${t.currency}`).join(', ')}`,
            ...summary.map((r) => `- ${r.model}: ${r.quantity} ${r.unit}, ${r.cost} ${r.currency}`),
            ...partial,
          ].join('\n');
    return {
      structured: {
        summary,
        totals,
        ...(timeSeries ? { time_series: timeSeries } : {}),
        partial: usage.partial,
      },
      text,
    };
  },
});

import * as v from 'valibot';
import { serverChecked, unlisted } from '../lib/schema-marks.js';
import { resolveModel } from '../registry/resolve.js';
import { MAX_USAGE_PAGES } from '../registry/usage.js';
import { READS_LIVE } from './annotations.js';
import { defineTool } from './define-tool.js';
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
    const usage = await services.usage.report(
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
    const { summary, totals } = usage;
    const timeSeries = args.include_time_series ? usage.time_series : undefined;
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

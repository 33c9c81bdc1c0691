import * as v from 'valibot';

/** Optional field that falls back to undefined instead of failing the whole entry. */
const soft = <T extends v.GenericSchema>(schema: T) => v.fallback(v.optional(v.nullable(schema)), undefined);

const GroupSchema = v.object({ key: v.string(), label: v.optional(v.string()) });

const MetadataSchema = v.looseObject({
  display_name: soft(v.string()),
  category: soft(v.string()),
  description: soft(v.string()),
  status: soft(v.string()),
  tags: soft(v.array(v.string())),
  updated_at: soft(v.string()),
  date: soft(v.string()),
  thumbnail_url: soft(v.string()),
  model_url: soft(v.string()),
  highlighted: soft(v.boolean()),
  pinned: soft(v.boolean()),
  group: soft(GroupSchema),
  kind: soft(v.string()),
  license_type: soft(v.string()),
  duration_estimate: soft(v.number()),
});

/** One model as `GET /v1/models` sends it. Everything but the id lives under `metadata`. */
export const ModelEntrySchema = v.looseObject({
  endpoint_id: v.pipe(v.string(), v.regex(/^[\w.-]+(\/[\w.-]+)+$/, 'an endpoint id like owner/app/path')),
  metadata: v.fallback(v.optional(v.nullable(MetadataSchema)), undefined),
  openapi: v.optional(v.unknown()),
});
export type ModelEntry = v.InferOutput<typeof ModelEntrySchema>;

/** A page is validated loosely; entries are validated one by one so one bad entry is not fatal. */
export const ModelsPageSchema = v.looseObject({
  models: v.array(v.unknown()),
  next_cursor: v.optional(v.nullable(v.string())),
  has_more: v.optional(v.boolean()),
});

export const PricingSchema = v.looseObject({
  prices: v.array(
    v.looseObject({
      endpoint_id: v.string(),
      unit_price: v.number(),
      unit: v.string(),
      currency: v.string(),
    }),
  ),
  next_cursor: v.optional(v.nullable(v.string())),
  has_more: v.optional(v.boolean()),
});
export type Pricing = v.InferOutput<typeof PricingSchema>;

export const EstimateSchema = v.looseObject({
  estimate_type: v.string(),
  total_cost: v.number(),
  currency: v.string(),
});
export type Estimate = v.InferOutput<typeof EstimateSchema>;

const UsageRow = v.looseObject({
  endpoint_id: v.string(),
  unit: v.optional(v.string()),
  quantity: v.optional(v.number()),
  unit_price: v.optional(v.number()),
  cost_total: v.optional(v.number()),
  // Deprecated single cost field, still sent by fal.
  cost: v.optional(v.number()),
  currency: v.optional(v.string()),
});
export type UsageRow = v.InferOutput<typeof UsageRow>;

/** `GET /v1/account/billing?expand=credits`: the account's balance. */
export const BillingSchema = v.looseObject({
  username: v.optional(v.string()),
  credits: v.optional(v.looseObject({ current_balance: v.number(), currency: v.string() })),
});
export type Billing = v.InferOutput<typeof BillingSchema>;

export const UsageSchema = v.looseObject({
  time_series: v.optional(v.array(v.looseObject({ bucket: v.string(), results: v.array(UsageRow) }))),
  summary: v.optional(v.array(UsageRow)),
  next_cursor: v.optional(v.nullable(v.string())),
  has_more: v.optional(v.boolean()),
});
export type Usage = v.InferOutput<typeof UsageSchema>;

/** `DELETE /models/requests/{id}/payloads`: one entry per CDN file, `exception` set when that one failed. */
export const PayloadDeletionSchema = v.looseObject({
  cdn_delete_results: v.optional(
    v.array(v.looseObject({ link: v.string(), exception: v.optional(v.nullable(v.string())) })),
    [],
  ),
});
export type PayloadDeletion = v.InferOutput<typeof PayloadDeletionSchema>;

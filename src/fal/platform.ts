import * as v from 'valibot';
import type { Credential, FalClient } from './client.js';
import { assertRequestId } from './queue-paths.js';
import {
  type Billing,
  BillingSchema,
  type Estimate,
  EstimateSchema,
  type ModelEntry,
  ModelEntrySchema,
  ModelsPageSchema,
  type PayloadDeletion,
  PayloadDeletionSchema,
  type Pricing,
  PricingSchema,
  type Usage,
  UsageSchema,
} from './schemas.js';

export interface ModelsQuery {
  cursor?: string | undefined;
  limit?: number;
  q?: string;
  category?: string;
  status?: 'active' | 'deprecated';
  endpointIds?: readonly string[];
  expandOpenApi?: boolean;
}

export interface ModelsPage {
  models: ModelEntry[];
  /** Entries that failed validation and were skipped. */
  skipped: number;
  nextCursor: string | undefined;
  hasMore: boolean;
}

/** `GET /v1/models` in all three modes: list (cursor), find (endpoint_id) and search (q/category/status). */
export async function fetchModelsPage(
  fal: FalClient,
  query: ModelsQuery,
  as: Credential,
  signal?: AbortSignal,
): Promise<ModelsPage> {
  const params = new URLSearchParams();
  if (query.limit !== undefined) params.set('limit', String(query.limit));
  if (query.cursor) params.set('cursor', query.cursor);
  if (query.q) params.set('q', query.q);
  if (query.category) params.set('category', query.category);
  if (query.status) params.set('status', query.status);
  for (const id of query.endpointIds ?? []) params.append('endpoint_id', id);
  if (query.expandOpenApi) params.set('expand', 'openapi-3.0');

  const page = await fal.request({
    route: 'models',
    method: 'GET',
    path: 'models',
    searchParams: params,
    as,
    schema: ModelsPageSchema,
    signal,
  });
  const models: ModelEntry[] = [];
  let skipped = 0;
  for (const raw of page.models) {
    const entry = v.safeParse(ModelEntrySchema, raw);
    if (entry.success) models.push(entry.output);
    else skipped++;
  }
  const nextCursor = page.next_cursor ?? undefined;
  // has_more is derived from next_cursor upstream; trust either signal to stop.
  return { models, skipped, nextCursor, hasMore: Boolean(nextCursor) && page.has_more !== false };
}

/** `GET /v1/models/pricing` with repeated endpoint_id (1–50). Prices are per account. */
export async function fetchPricing(
  fal: FalClient,
  endpointIds: readonly string[],
  as: Credential,
  signal?: AbortSignal,
): Promise<Pricing> {
  if (endpointIds.length === 0) return { prices: [] };
  const params = new URLSearchParams();
  for (const id of endpointIds) params.append('endpoint_id', id);
  return fal.request({
    route: 'pricing',
    method: 'GET',
    path: 'models/pricing',
    searchParams: params,
    as,
    schema: PricingSchema,
    signal,
  });
}

export type EstimateRequest =
  | { estimate_type: 'unit_price'; endpoints: Record<string, { unit_quantity: number }> }
  | { estimate_type: 'historical_api_price'; endpoints: Record<string, { call_quantity: number }> };

/** `POST /v1/models/pricing/estimate`: read-only, so it is retried like a GET. */
export function fetchEstimate(
  fal: FalClient,
  body: EstimateRequest,
  as: Credential,
  signal?: AbortSignal,
): Promise<Estimate> {
  return fal.request({
    route: 'estimate',
    method: 'POST',
    path: 'models/pricing/estimate',
    json: body,
    as,
    schema: EstimateSchema,
    signal,
  });
}

export interface UsageQuery {
  start?: string | undefined;
  end?: string | undefined;
  endpointIds?: readonly string[];
  timeframe?: string | undefined;
  timeSeries?: boolean;
}

/** Pages of usage read at most: enough for any real account's day, bounded for a huge one. */
export const MAX_USAGE_PAGES = 10;

/**
 * `GET /v1/models/usage` (admin keys): the seed's `expand=summary`, repeated
 * endpoint_id, following `next_cursor` for up to MAX_USAGE_PAGES pages. `partial`
 * says rows were left unread.
 */
export async function fetchUsage(
  fal: FalClient,
  query: UsageQuery,
  as: Credential,
  signal?: AbortSignal,
): Promise<Usage & { partial: boolean }> {
  const merged: Usage = { summary: [], time_series: [] };
  let cursor: string | undefined;
  for (let page = 0; page < MAX_USAGE_PAGES; page++) {
    const answer = await fetchUsagePage(fal, query, cursor, as, signal);
    merged.summary?.push(...(answer.summary ?? []));
    for (const bucket of answer.time_series ?? []) {
      const same = merged.time_series?.find((b) => b.bucket === bucket.bucket);
      if (same) same.results.push(...bucket.results);
      else merged.time_series?.push({ ...bucket, results: [...bucket.results] });
    }
    cursor = answer.has_more === false ? undefined : (answer.next_cursor ?? undefined);
    if (!cursor) return { ...merged, partial: false };
  }
  return { ...merged, partial: true };
}

function fetchUsagePage(
  fal: FalClient,
  query: UsageQuery,
  cursor: string | undefined,
  as: Credential,
  signal?: AbortSignal,
): Promise<Usage> {
  const params = new URLSearchParams();
  if (cursor) params.set('cursor', cursor);
  params.append('expand', 'summary');
  if (query.timeSeries) params.append('expand', 'time_series');
  if (query.start) params.set('start', query.start);
  if (query.end) params.set('end', query.end);
  if (query.timeframe) params.set('timeframe', query.timeframe);
  for (const id of query.endpointIds ?? []) params.append('endpoint_id', id);
  return fal.request({
    route: 'usage',
    method: 'GET',
    path: 'models/usage',
    searchParams: params,
    as,
    schema: UsageSchema,
    signal,
  });
}

/** `GET /v1/account/billing?expand=credits` (admin keys): the account's credit balance. */
export function fetchBilling(fal: FalClient, as: Credential, signal?: AbortSignal): Promise<Billing> {
  return fal.request({
    route: 'billing',
    method: 'GET',
    path: 'account/billing',
    searchParams: new URLSearchParams({ expand: 'credits' }),
    as,
    schema: BillingSchema,
    signal,
  });
}

/**
 * `DELETE /v1/models/requests/{request_id}/payloads` (admin keys): fal deletes the
 * request's stored payloads and their CDN files. The Idempotency-Key makes a retry
 * (or a second call) delete once.
 */
export function deletePayloads(
  fal: FalClient,
  requestId: string,
  as: Credential,
  signal?: AbortSignal,
): Promise<PayloadDeletion> {
  return fal.request({
    route: 'payloads.delete',
    method: 'DELETE',
    path: `models/requests/${encodeURIComponent(assertRequestId(requestId))}/payloads`,
    headers: { 'idempotency-key': `delete-payloads-${requestId}` },
    as,
    schema: PayloadDeletionSchema,
    signal,
  });
}

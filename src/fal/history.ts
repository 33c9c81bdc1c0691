import * as v from 'valibot';
import type { Credential, FalClient } from './client.js';

/** One request in fal's history (both history routes give the same fields). */
export const HistoryItemSchema = v.looseObject({
  request_id: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  endpoint_id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  sent_at: v.optional(v.nullable(v.string())),
  started_at: v.optional(v.nullable(v.string())),
  ended_at: v.optional(v.nullable(v.string())),
  status_code: v.optional(v.nullable(v.number())),
  duration: v.optional(v.nullable(v.number())),
  json_input: v.optional(v.nullable(v.unknown())),
  json_output: v.optional(v.nullable(v.unknown())),
  similarity: v.optional(v.nullable(v.number())),
});
export type HistoryItem = v.InferOutput<typeof HistoryItemSchema>;

const PageSchema = v.looseObject({
  results: v.optional(v.array(v.unknown())),
  items: v.optional(v.array(v.unknown())),
  next_cursor: v.optional(v.nullable(v.string())),
  has_more: v.optional(v.boolean()),
});

export interface HistoryPage {
  items: HistoryItem[];
  /** Entries that did not have the documented shape, skipped. */
  skipped: number;
  nextCursor: string | undefined;
}

export interface HistorySearch {
  /** Semantic search over the requests ("the red car"); without it, newest first. */
  query?: string | undefined;
  endpointIds?: readonly string[] | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** `GET /v1/models/requests/search`: the key's requests, newest first, or those nearest a query. */
export async function searchRequests(
  fal: FalClient,
  search: HistorySearch,
  as: Credential,
  signal?: AbortSignal,
): Promise<HistoryPage> {
  const params = new URLSearchParams({ limit: String(search.limit) });
  if (search.query) params.set('query', search.query);
  if (search.endpointIds?.length) params.set('endpoint_id', search.endpointIds.join(','));
  if (search.cursor) params.set('cursor', search.cursor);
  const page = await fal.request({
    route: 'requests.search',
    method: 'GET',
    path: 'models/requests/search',
    searchParams: params,
    as,
    schema: PageSchema,
    signal,
  });
  return pageOf(page.results ?? page.items ?? [], page);
}

/**
 * `GET /v1/models/requests/by-endpoint` with `request_id` (fal looks back 90
 * days for one): that request with its payloads, or undefined when fal has none.
 */
export async function findRequest(
  fal: FalClient,
  endpointId: string,
  requestId: string,
  as: Credential,
  signal?: AbortSignal,
): Promise<HistoryItem | undefined> {
  const page = await fal.request({
    route: 'requests.by-endpoint',
    method: 'GET',
    path: 'models/requests/by-endpoint',
    searchParams: new URLSearchParams({
      endpoint_id: endpointId,
      request_id: requestId,
      expand: 'payloads',
      limit: '1',
    }),
    as,
    schema: PageSchema,
    signal,
  });
  return pageOf(page.items ?? page.results ?? [], page).items.find((i) => i.request_id === requestId);
}

function pageOf(raw: unknown[], page: v.InferOutput<typeof PageSchema>): HistoryPage {
  const items: HistoryItem[] = [];
  for (const entry of raw) {
    const parsed = v.safeParse(HistoryItemSchema, entry);
    if (parsed.success) items.push(parsed.output);
  }
  return {
    items,
    skipped: raw.length - items.length,
    nextCursor: page.has_more && page.next_cursor ? page.next_cursor : undefined,
  };
}

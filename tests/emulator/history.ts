import { type Context, Hono } from 'hono';
import { type FaultBook, platformError } from './faults.js';
import { endpointIdsOf } from './platform.js';
import { completedAt, type EmulatorState, type Job } from './state.js';

const encodeCursor = (offset: number) => Buffer.from(String(offset)).toString('base64');
const decodeCursor = (cursor: string | null) =>
  cursor ? Number(Buffer.from(cursor, 'base64').toString()) : 0;
const DAY = 86_400_000;

/**
 * fal's request history (`/v1/models/requests/…`, an ordinary key with the
 * models:requests:read permission): every request the key made, kept after
 * the queue forgets it; payloads only when stored (not with X-Fal-Store-IO: 0,
 * nor once deleted). Semantic search is imitated by word overlap with the input.
 */
export function historyRoutes(
  state: EmulatorState,
  faults: FaultBook,
  resultOf: (job: Job) => Promise<unknown>,
): Hono {
  const api = new Hono();
  const err = (status: number) => platformError(status);

  const refuse = (c: Context) => {
    const key = state.keyOf(c);
    if (!key || !state.isValidKey(key)) return c.json(platformError(401, 'Invalid or missing API key'), 401);
    if (!state.readsHistory(key)) {
      return c.json(platformError(403, 'This API key lacks the models:requests:read permission'), 403);
    }
    return undefined;
  };

  const itemOf = async (job: Job, payloads: boolean) => {
    const done = completedAt(job, state.now());
    const started = job.submittedAt + job.timing.queueMs;
    const stored = payloads && job.storeIo && !job.payloadsDeleted;
    const failed = job.cancelled ? 499 : job.timing.fail ? (job.timing.fail.status ?? 500) : undefined;
    return {
      request_id: job.requestId,
      endpoint_id: job.endpointId,
      sent_at: new Date(job.submittedAt).toISOString(),
      started_at: state.now() >= started ? new Date(started).toISOString() : null,
      ended_at: done !== undefined ? new Date(done).toISOString() : null,
      status_code: done !== undefined ? (failed ?? job.timing.modelError?.status ?? 200) : null,
      duration: done !== undefined ? job.timing.runMs / 1000 : null,
      ...(stored ? { json_input: job.input } : {}),
      ...(stored && done !== undefined && failed === undefined ? { json_output: await resultOf(job) } : {}),
    };
  };

  const page = <T>(all: T[], c: Context, max: number) => {
    const url = new URL(c.req.url);
    const limit = Number(url.searchParams.get('limit') ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > max) return { error: `limit must be 1 to ${max}` };
    const offset = decodeCursor(url.searchParams.get('cursor'));
    const more = offset + limit < all.length;
    return {
      slice: all.slice(offset, offset + limit),
      next_cursor: more ? encodeCursor(offset + limit) : null,
      has_more: more,
    };
  };

  api.get('/models/requests/search', faults.route('requests.search', err), async (c) => {
    const refused = refuse(c);
    if (refused) return refused;
    const url = new URL(c.req.url);
    const ids = endpointIdsOf(url);
    if (ids.length > 50) return c.json(platformError(400, 'at most 50 endpoint_id values'), 400);
    const query = url.searchParams.get('query');
    const minSimilarity = Number(url.searchParams.get('min_similarity') ?? 0.2);
    const mine = state.requestLog
      .filter((j) => j.key === state.keyOf(c) && (ids.length === 0 || ids.includes(j.endpointId)))
      .sort((a, b) => b.submittedAt - a.submittedAt);
    const ranked: { job: Job; similarity: number | undefined }[] = query
      ? mine
          .filter((j) => j.storeIo && !j.payloadsDeleted)
          .map((j) => ({ job: j, similarity: similarity(query, j.input) }))
          .filter((r) => r.similarity >= minSimilarity)
          .sort((a, b) => b.similarity - a.similarity)
      : mine.map((job) => ({ job, similarity: undefined }));
    const paged = page(ranked, c, 100);
    if ('error' in paged) return c.json(platformError(422, paged.error), 422);
    return c.json({
      results: await Promise.all(
        paged.slice.map(async ({ job, similarity: s }) => ({
          ...(await itemOf(job, true)),
          ...(s !== undefined ? { similarity: s } : {}),
        })),
      ),
      next_cursor: paged.next_cursor,
      has_more: paged.has_more,
    });
  });

  api.get('/models/requests/by-endpoint', faults.route('requests.by-endpoint', err), async (c) => {
    const refused = refuse(c);
    if (refused) return refused;
    const url = new URL(c.req.url);
    const ids = endpointIdsOf(url);
    if (ids.length < 1 || ids.length > 50)
      return c.json(platformError(400, 'endpoint_id: 1 to 50 values required'), 400);
    const requestId = url.searchParams.get('request_id');
    const end = Date.parse(url.searchParams.get('end') ?? '') || state.now();
    const start = Date.parse(url.searchParams.get('start') ?? '') || end - (requestId ? 90 : 1) * DAY;
    const status = url.searchParams.get('status');
    const payloads = url.searchParams.getAll('expand').includes('payloads');
    const mine = state.requestLog
      .filter(
        (j) =>
          j.key === state.keyOf(c) &&
          ids.includes(j.endpointId) &&
          (!requestId || j.requestId === requestId) &&
          j.submittedAt >= start &&
          j.submittedAt < end,
      )
      .sort((a, b) => b.submittedAt - a.submittedAt);
    const items = (await Promise.all(mine.map((j) => itemOf(j, payloads)))).filter(
      (i) => !status || statusWord(i.status_code) === status,
    );
    const paged = page(items, c, 100);
    if ('error' in paged) return c.json(platformError(422, paged.error), 422);
    return c.json({ items: paged.slice, next_cursor: paged.next_cursor, has_more: paged.has_more });
  });

  return api;
}

function statusWord(code: number | null): string | undefined {
  if (code === null) return undefined;
  return code < 400 ? 'success' : code < 500 ? 'user_error' : 'error';
}

/** Share of the query's words found in the request's text inputs: a stand-in for fal's embeddings. */
function similarity(query: string, input: Record<string, unknown>): number {
  const words = (text: string) =>
    new Set(
      text
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((w) => w.length > 2),
    );
  const asked = words(query);
  const have = words(
    Object.values(input)
      .filter((v) => typeof v === 'string')
      .join(' '),
  );
  if (asked.size === 0) return 0;
  const shared = [...asked].filter((w) => have.has(w)).length;
  return Math.round((shared / asked.size) * 100) / 100;
}

import { Hono } from 'hono';
import type { EmulatedModel } from './catalogue.js';
import { type FaultBook, platformError } from './faults.js';
import { openApiFor } from './openapi.js';
import type { EmulatorState } from './state.js';

const encodeCursor = (page: number) => Buffer.from(String(page)).toString('base64');
const decodeCursor = (cursor: string) => Number(Buffer.from(cursor, 'base64').toString('utf8'));

const STOP = new Set(['a', 'an', 'and', 'the', 'of', 'for', 'to', 'in', 'on', 'with', 'my', 'me', 'from']);

/** fal's search matches words over name, description and category; this imitates it plainly. */
function textScore(model: EmulatedModel, q: string): number {
  const hay = ` ${`${model.endpoint_id} ${model.metadata.display_name} ${String(model.metadata.description ?? '')} ${model.metadata.category}`
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, ' ')} `;
  const words = q
    .toLowerCase()
    .split(/[^a-z0-9.]+/)
    .filter((w) => w.length > 1 && !STOP.has(w));
  return words.reduce((score, w) => score + (hay.includes(` ${w}`) ? 1 : 0), 0) / Math.max(1, words.length);
}

/** `endpoint_id` as fal's Platform API takes it: repeated, comma-separated, or both. */
export function endpointIdsOf(url: URL): string[] {
  return url.searchParams
    .getAll('endpoint_id')
    .flatMap((s) => s.split(','))
    .filter(Boolean);
}

/** Models priced per image rather than by their category's unit (plausible, after fal's list prices). */
const PER_IMAGE: Record<string, number> = {
  'fal-ai/imagen3': 0.05,
  'fal-ai/imagen3/fast': 0.025,
  'bria/text-to-image/3.2': 0.04,
  'fal-ai/flux-pro/v1.1-ultra': 0.06,
};
/** Models cheaper per megapixel than their category (plausible, after fal's list prices). */
const PER_MEGAPIXEL: Record<string, number> = { 'fal-ai/flux/schnell': 0.003 };
/** Video models whose price per second differs from their category's (plausible, after fal's list prices). */
const PER_SECOND: Record<string, number> = {
  'fal-ai/kling-video/v2.1/master/image-to-video': 0.28,
  'fal-ai/kling-video/v2.1/master/text-to-video': 0.28,
  'fal-ai/kling-video/v2.1/standard/image-to-video': 0.05,
  'fal-ai/ltx-video-13b-distilled/image-to-video': 0.02,
  'fal-ai/ltx-video/image-to-video': 0.02,
  'fal-ai/pika/v2.2/image-to-video': 0.04,
  'fal-ai/veo2/image-to-video': 0.5,
  'fal-ai/veo3/image-to-video': 0.4,
};

/** Unit prices by category, so estimates and pricing are stable and plausible. */
export function priceOf(model: EmulatedModel): { unit_price: number; unit: string } {
  const perImage = PER_IMAGE[model.endpoint_id];
  if (perImage !== undefined) return { unit_price: perImage, unit: 'images' };
  const perMegapixel = PER_MEGAPIXEL[model.endpoint_id];
  if (perMegapixel !== undefined) return { unit_price: perMegapixel, unit: 'megapixels' };
  const perSecond = PER_SECOND[model.endpoint_id];
  if (perSecond !== undefined) return { unit_price: perSecond, unit: 'second' };
  const c = model.metadata.category;
  if (c.endsWith('-to-image')) return { unit_price: 0.025, unit: 'megapixels' };
  if (c.endsWith('-to-video')) return { unit_price: 0.1, unit: 'second' };
  if (c === 'text-to-speech') return { unit_price: 0.05, unit: '1000 characters' };
  if (c === 'speech-to-text') return { unit_price: 0.006, unit: 'minute' };
  if (c.endsWith('-to-audio')) return { unit_price: 0.02, unit: 'second' };
  if (c.endsWith('-to-3d')) return { unit_price: 0.3, unit: 'request' };
  return { unit_price: 0.01, unit: 'request' };
}

/** fal's Platform API (`/v1`): models, pricing, estimate, usage. */
export function platformRoutes(state: EmulatorState, faults: FaultBook): Hono {
  const api = new Hono();
  const err = (status: number) => platformError(status);

  api.get('/models', faults.route('models', err), (c) => {
    const url = new URL(c.req.url);
    const ids = endpointIdsOf(url);
    const expand = url.searchParams.getAll('expand');
    const limitRaw = url.searchParams.get('limit');
    const maxLimit = expand.includes('openapi-3.0') ? 50 : 100;
    const limit = limitRaw === null ? 20 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
      return c.json(platformError(400, `limit must be an integer between 1 and ${maxLimit}`), 400);
    }
    if (ids.length > 50) return c.json(platformError(400, 'at most 50 endpoint_id values'), 400);

    let models = state.models;
    const q = url.searchParams.get('q');
    const category = url.searchParams.get('category');
    const status = url.searchParams.get('status');
    if (ids.length > 0) models = models.filter((m) => ids.includes(m.endpoint_id));
    if (category) models = models.filter((m) => m.metadata.category === category);
    if (status) models = models.filter((m) => m.metadata.status === status);
    if (q) {
      models = models
        .map((m) => ({ m, s: textScore(m, q) }))
        .filter((x) => x.s > 0)
        .sort((a, b) => b.s - a.s || a.m.endpoint_id.localeCompare(b.m.endpoint_id))
        .map((x) => x.m);
    }

    const cursor = url.searchParams.get('cursor');
    const page = cursor ? decodeCursor(cursor) : 0;
    if (!Number.isInteger(page) || page < 0) return c.json(platformError(400, 'invalid cursor'), 400);
    const slice = models.slice(page * limit, (page + 1) * limit);
    const hasMore = (page + 1) * limit < models.length;
    return c.json({
      models: slice.map((m) => ({
        endpoint_id: m.endpoint_id,
        metadata: m.metadata,
        ...(expand.includes('openapi-3.0') ? { openapi: openApiFor(m) } : {}),
      })),
      next_cursor: hasMore ? encodeCursor(page + 1) : null,
      has_more: hasMore,
    });
  });

  api.get('/models/pricing', faults.route('pricing', err), (c) => {
    const key = state.keyOf(c);
    if (!key || !state.isValidKey(key)) return c.json(platformError(401, 'Invalid or missing API key'), 401);
    const url = new URL(c.req.url);
    const ids = endpointIdsOf(url);
    if (ids.length < 1 || ids.length > 50)
      return c.json(platformError(400, 'endpoint_id: 1 to 50 values required'), 400);
    const prices = [];
    for (const id of ids) {
      const model = state.byId.get(id);
      if (!model) return c.json(platformError(404, `Endpoint not found: ${id}`), 404);
      prices.push({ endpoint_id: id, ...priceOf(model), currency: 'USD' });
    }
    return c.json({ prices, next_cursor: null, has_more: false });
  });

  api.post('/models/pricing/estimate', faults.route('estimate', err), async (c) => {
    const key = state.keyOf(c);
    if (!key || !state.isValidKey(key)) return c.json(platformError(401, 'Invalid or missing API key'), 401);
    const body = (await c.req.json().catch(() => null)) as {
      estimate_type?: string;
      endpoints?: Record<string, { call_quantity?: number; unit_quantity?: number }>;
    } | null;
    const type = body?.estimate_type;
    if (!body || (type !== 'historical_api_price' && type !== 'unit_price') || !body.endpoints) {
      return c.json(
        platformError(422, 'estimate_type must be historical_api_price or unit_price, with endpoints'),
        422,
      );
    }
    let total = 0;
    for (const [id, q] of Object.entries(body.endpoints)) {
      const model = state.byId.get(id);
      if (!model) return c.json(platformError(404, `Endpoint not found: ${id}`), 404);
      const { unit_price } = priceOf(model);
      // A "historical" call costs what an average call used: say 4 units.
      total +=
        type === 'unit_price' ? unit_price * (q.unit_quantity ?? 0) : unit_price * 4 * (q.call_quantity ?? 0);
    }
    return c.json({ estimate_type: type, total_cost: Math.round(total * 10_000) / 10_000, currency: 'USD' });
  });

  // The account's credits (admin keys): what fal's dashboard shows as the balance.
  api.get('/account/billing', faults.route('billing', err), (c) => {
    const key = state.keyOf(c);
    if (!key || !state.isValidKey(key)) return c.json(platformError(401, 'Invalid or missing API key'), 401);
    if (!state.isAdminKey(key))
      return c.json(platformError(403, 'This endpoint requires an admin API key'), 403);
    const expand = new URL(c.req.url).searchParams.getAll('expand');
    return c.json({
      username: 'emulated-user',
      ...(expand.includes('credits')
        ? { credits: { current_balance: state.balanceUsd, currency: 'USD' } }
        : {}),
    });
  });

  api.get('/models/usage', faults.route('usage', err), (c) => {
    const key = state.keyOf(c);
    if (!key || !state.isValidKey(key)) return c.json(platformError(401, 'Invalid or missing API key'), 401);
    if (!state.isAdminKey(key))
      return c.json(platformError(403, 'This endpoint requires an admin API key'), 403);
    const url = new URL(c.req.url);
    const ids = url.searchParams.getAll('endpoint_id');
    const expand = url.searchParams.getAll('expand');
    const rows = new Map<string, number>();
    for (const job of state.jobs.values()) {
      if (job.key !== key || (ids.length > 0 && !ids.includes(job.endpointId))) continue;
      rows.set(job.endpointId, (rows.get(job.endpointId) ?? 0) + 1);
    }
    const all = [...rows]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([endpoint_id, quantity]) => {
        const model = state.byId.get(endpoint_id);
        const { unit_price, unit } = model ? priceOf(model) : { unit_price: 0.01, unit: 'request' };
        const cost = Math.round(unit_price * quantity * 10_000) / 10_000;
        return {
          endpoint_id,
          unit,
          quantity,
          unit_price,
          cost_subtotal: cost,
          cost_discount: 0,
          cost_total: cost,
          cost,
          currency: 'USD',
        };
      });
    // Pages of rows: the cursor is the offset of the next one.
    const offset = Number(url.searchParams.get('cursor') ?? 0) || 0;
    const size = Math.min(
      Number(url.searchParams.get('limit') ?? state.usagePageSize) || 0,
      state.usagePageSize,
    );
    const results = all.slice(offset, offset + size);
    const more = offset + size < all.length;
    const bucket = (url.searchParams.get('start') ?? new Date().toISOString().slice(0, 10)).slice(0, 10);
    return c.json({
      ...(expand.includes('summary') ? { summary: results } : {}),
      time_series: expand.length === 0 || expand.includes('time_series') ? [{ bucket, results }] : [],
      next_cursor: more ? String(offset + size) : null,
      has_more: more,
    });
  });

  // Deleting a request's payloads: its stored result and CDN files go; the request is then unknown.
  api.delete('/models/requests/:id/payloads', faults.route('payloads.delete', err), (c) => {
    const key = state.keyOf(c);
    if (!key || !state.isValidKey(key)) return c.json(platformError(401, 'Invalid or missing API key'), 401);
    if (!state.isAdminKey(key))
      return c.json(platformError(403, 'This endpoint requires an admin API key'), 403);
    const id = c.req.param('id');
    const job = state.jobs.get(id);
    if (!job || job.key !== key) return c.json(platformError(404, `Request not found: ${id}`), 404);
    state.payloadDeletions.push({ requestId: id, idempotencyKey: c.req.header('idempotency-key') ?? null });
    const links = [...new Set(JSON.stringify(job.result ?? {}).match(/https?:\/\/[^"\\]+/g) ?? [])];
    // The request stays in the history, without its payloads; its files stop being served.
    job.payloadsDeleted = true;
    state.jobs.delete(id);
    return c.json({ cdn_delete_results: links.map((link) => ({ link, exception: null })) });
  });

  return api;
}

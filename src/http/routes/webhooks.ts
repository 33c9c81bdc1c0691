import { createHash } from 'node:crypto';
import { type Context, Hono } from 'hono';
import * as v from 'valibot';
import type { JobService } from '../../jobs/job-service.js';
import { ByteBudget } from '../../lib/byte-budget.js';
import type { Logger } from '../../log.js';
import type { FalWebhookKeys } from '../../webhooks/fal-keys.js';
import { precheckDelivery, type SignedHeaders, verifyDelivery } from '../../webhooks/verify.js';
import type { AppEnv } from '../env.js';
import { addressLimit, type RequestLimits } from '../middleware/rate-limit.js';

const Delivery = v.looseObject({
  request_id: v.string(),
  gateway_request_id: v.optional(v.nullable(v.string())),
  status: v.picklist(['OK', 'ERROR']),
  payload: v.optional(v.unknown()),
  error: v.optional(v.nullable(v.string())),
  payload_error: v.optional(v.nullable(v.string())),
});

export interface WebhookRouteOptions {
  jobs: JobService;
  keys: FalWebhookKeys;
  logger: Logger;
  maxBodyBytes: number;
  limits: RequestLimits;
  /** Count one failed authentication of the client's address; seconds locked out when that used up its budget. */
  failed: (c: Context<AppEnv>) => Promise<number>;
  /** Give back the failure counted before a delivery's body was read, once it proved genuine. */
  forgive: (c: Context<AppEnv>) => Promise<void>;
  /** Seconds the client's address is locked out for failing too often, or 0. */
  lockedFor: (c: Context<AppEnv>) => Promise<number>;
}

/** Refused unread: close the connection rather than take the rest of the body. */
const UNREAD = { connection: 'close' };

/**
 * `POST /webhooks/fal/<token>`: fal tells this server a job ended. Everything
 * that can be refused without the body is refused unread: a locked-out
 * address, unsigned or stale headers, a token this server never issued (each
 * submit has its own). Before a body is read, a failure is counted for its
 * address (so concurrent forgeries all count) and given back once the
 * signature holds; the body is hashed as it arrives, within a byte budget.
 * fal retries a delivery that is not answered 2xx.
 */
export function webhookRoutes(options: WebhookRouteOptions): Hono<AppEnv> {
  const route = new Hono<AppEnv>();
  // Two bodies at the cap in flight in all; the first 256 KiB of each (every ordinary result) free.
  const budget = new ByteBudget(2 * options.maxBodyBytes, options.maxBodyBytes, 256 * 1024);
  const refuse = async (c: Context<AppEnv>, status: 401 | 404, reason: string) => {
    options.logger.info('webhook refused', { requestId: c.get('requestId'), reason });
    const locked = await options.failed(c);
    if (locked > 0) return lockedOut(c, locked);
    return c.json(
      { error: status === 404 ? 'unknown_webhook' : 'invalid_signature', reason },
      status,
      UNREAD,
    );
  };
  // Deliveries to the URL without a token (never handed to fal since tokens exist): nothing to read.
  route.post('/webhooks/fal', (c) => c.json({ error: 'unknown_webhook' }, 404, UNREAD));
  route.post(
    '/webhooks/fal/:token',
    async (c, next) => {
      const locked = await options.lockedFor(c);
      if (locked > 0) return lockedOut(c, locked);
      const early = precheckDelivery(signedHeaders(c));
      if (early) return refuse(c, 401, early.reason);
      const tenant = await options.jobs.webhookTenant(c.req.param('token'));
      if (!tenant) return refuse(c, 404, 'unknown_token');
      c.set('webhookTenant', tenant);
      return next();
    },
    addressLimit(options.limits),
    async (c) => {
      const declared = Number(c.req.header('content-length') ?? 0);
      if (declared > options.maxBodyBytes) return c.json({ error: 'payload_too_large' }, 413, UNREAD);
      const locked = await options.failed(c);
      if (locked > 0) return lockedOut(c, locked);
      const read = await readHashed(c, options.maxBodyBytes, budget, c.get('webhookTenant') ?? '');
      if (read === 'too_large') return c.json({ error: 'payload_too_large' }, 413, UNREAD);
      if (read === 'busy') {
        // Too many large deliveries at once says nothing against this one: fal tries again later.
        await options.forgive(c);
        return c.json({ error: 'busy' }, 503, { 'retry-after': '30', ...UNREAD });
      }
      const verdict = await verifyDelivery(signedHeaders(c), read.digest, options.keys);
      if (!verdict.ok) {
        // The failure counted before reading stays counted: forgeries during a key-set outage add up too.
        if (verdict.reason === 'keys_unavailable') {
          options.logger.warn("fal's webhook keys could not be fetched; delivery refused for now");
          return c.json({ error: 'temporarily_unavailable' }, 503, { 'retry-after': '60' });
        }
        options.logger.info('webhook refused', { requestId: c.get('requestId'), reason: verdict.reason });
        return c.json({ error: 'invalid_signature', reason: verdict.reason }, 401);
      }
      await options.forgive(c);
      return keep(c, options, read.bytes, verdict.requestId);
    },
  );
  return route;
}

async function keep(c: Context<AppEnv>, options: WebhookRouteOptions, raw: Buffer, signedId: string) {
  let body: v.InferOutput<typeof Delivery>;
  try {
    const parsed = v.safeParse(Delivery, JSON.parse(raw.toString('utf8')));
    // After fal retries a request, the signed id may be the last try's (gateway_request_id).
    const ids = parsed.success ? [parsed.output.request_id, parsed.output.gateway_request_id] : [];
    if (!parsed.success || !ids.includes(signedId)) throw new Error('shape');
    body = parsed.output;
  } catch {
    return c.json({ error: 'invalid_payload' }, 400);
  }
  const kept = await options.jobs.receiveWebhook(c.get('webhookTenant') ?? '', {
    requestId: body.request_id,
    status: body.status,
    payload: body.payload,
    error: body.error ?? undefined,
    payloadError: body.payload_error ?? undefined,
  });
  // Unknown: not this token's tenant's request, or not recorded yet (fal retries later).
  if (kept === 'unknown_request') return c.json({ error: 'unknown_request' }, 404);
  return c.json({ ok: true, kept: kept === 'kept' });
}

/** The body, hashed as it arrives and held within the route's byte budget. */
async function readHashed(
  c: Context<AppEnv>,
  maxBytes: number,
  budget: ByteBudget,
  tenant: string,
): Promise<{ bytes: Buffer; digest: string } | 'too_large' | 'busy'> {
  const slot = budget.open(tenant);
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    const reader = c.req.raw.body?.getReader();
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      size += chunk.value.byteLength;
      if (size > maxBytes) {
        await reader?.cancel();
        return 'too_large';
      }
      if (!slot.grow(size)) {
        await reader?.cancel();
        return 'busy';
      }
      hash.update(chunk.value);
      chunks.push(Buffer.from(chunk.value));
    }
    return { bytes: Buffer.concat(chunks), digest: hash.digest('hex') };
  } finally {
    slot.release();
  }
}

function lockedOut(c: Context<AppEnv>, seconds: number) {
  return c.json({ error: 'too_many_failures', retry_after: seconds }, 429, {
    'retry-after': String(seconds),
    ...UNREAD,
  });
}

function signedHeaders(c: Context<AppEnv>): SignedHeaders {
  return {
    requestId: c.req.header('x-fal-webhook-request-id'),
    userId: c.req.header('x-fal-webhook-user-id'),
    timestamp: c.req.header('x-fal-webhook-timestamp'),
    signature: c.req.header('x-fal-webhook-signature'),
  };
}

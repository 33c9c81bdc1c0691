import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as v from 'valibot';
import type { JobService } from '../../jobs/job-service.js';
import type { Logger } from '../../log.js';
import type { FalWebhookKeys } from '../../webhooks/fal-keys.js';
import { precheckDelivery, type SignedHeaders, verifyDelivery } from '../../webhooks/verify.js';
import type { AppEnv } from '../env.js';

const Delivery = v.looseObject({
  request_id: v.string(),
  status: v.picklist(['OK', 'ERROR']),
  payload: v.optional(v.unknown()),
  error: v.optional(v.nullable(v.string())),
});

export interface WebhookRouteOptions {
  jobs: JobService;
  keys: FalWebhookKeys;
  logger: Logger;
  maxBodyBytes: number;
  /** Called for every delivery that fails verification (limits guessing per client address). */
  onRefused?: (c: Context<AppEnv>) => Promise<Response | undefined>;
  /** Whether the client's address is locked out for failing too often. */
  isLocked?: (c: Context<AppEnv>) => Promise<boolean>;
}

/**
 * `POST /webhooks/fal`: fal tells this server a job ended. Only a delivery that
 * fal signed, for a request this server submitted, is kept; anything else is
 * refused with nothing stored. fal retries a delivery that is not answered 2xx.
 */
export function webhookRoutes(options: WebhookRouteOptions): Hono<AppEnv> {
  const route = new Hono<AppEnv>();
  const refused = async (c: Context<AppEnv>, reason: string) => {
    options.logger.info('webhook refused', { requestId: c.get('requestId'), reason });
    const limited = await options.onRefused?.(c);
    return limited ?? c.json({ error: 'invalid_signature', reason }, 401);
  };
  route.post(
    '/webhooks/fal',
    // Unsigned or stale deliveries, and addresses locked out for failing, are refused unread.
    async (c, next) => {
      if ((await options.isLocked?.(c)) === true) return c.json({ error: 'too_many_failures' }, 429);
      const early = precheckDelivery(signedHeaders(c));
      return early ? refused(c, early.reason) : next();
    },
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) => c.json({ error: 'payload_too_large' }, 413),
    }),
    async (c) => {
      const raw = new Uint8Array(await c.req.arrayBuffer());
      const verdict = await verifyDelivery(signedHeaders(c), raw, options.keys);
      if (!verdict.ok) {
        if (verdict.reason === 'keys_unavailable') {
          options.logger.warn("fal's webhook keys could not be fetched; delivery refused for now");
          return c.json({ error: 'temporarily_unavailable' }, 503, { 'retry-after': '60' });
        }
        return refused(c, verdict.reason);
      }
      let body: v.InferOutput<typeof Delivery>;
      try {
        const parsed = v.safeParse(Delivery, JSON.parse(new TextDecoder().decode(raw)));
        if (!parsed.success || parsed.output.request_id !== verdict.requestId) throw new Error('shape');
        body = parsed.output;
      } catch {
        return c.json({ error: 'invalid_payload' }, 400);
      }
      const kept = await options.jobs.receiveWebhook({
        requestId: body.request_id,
        status: body.status,
        payload: body.payload,
        error: body.error ?? undefined,
      });
      // Unknown: not submitted here, or not recorded yet (fal retries later).
      if (kept === 'unknown_request') return c.json({ error: 'unknown_request' }, 404);
      return c.json({ ok: true, kept: kept === 'kept' });
    },
  );
  return route;
}

function signedHeaders(c: Context<AppEnv>): SignedHeaders {
  return {
    requestId: c.req.header('x-fal-webhook-request-id'),
    userId: c.req.header('x-fal-webhook-user-id'),
    timestamp: c.req.header('x-fal-webhook-timestamp'),
    signature: c.req.header('x-fal-webhook-signature'),
  };
}

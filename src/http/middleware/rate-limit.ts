import type { Context, MiddlewareHandler } from 'hono';
import type { ConcurrencyLimiter } from '../../limits/concurrency.js';
import { type RateLimiter, requestCost } from '../../limits/rate-limiter.js';
import type { ClientIp } from '../client-ip.js';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';
import { untilResponseDone } from '../response-done.js';

/** Bodies this large are handled at most two at once per client address. */
export const HEAVY_BODY_BYTES = 256 * 1024;

export interface RequestLimits {
  /** Per tenant (undefined: off). */
  tenant: RateLimiter | undefined;
  /** Per client address, whatever key it sends (undefined: off). */
  ip: RateLimiter | undefined;
  clientIp: ClientIp;
  /** Large bodies being handled at once per client address. */
  heavy: ConcurrencyLimiter;
}

const tooMany = (wait: number, what: string, perMinute: number, extra: Record<string, string> = {}) =>
  jsonRpcErrorResponse(
    429,
    `Rate limit exceeded (${what}: ${perMinute} requests per minute); retry after ${wait} s.`,
    { 'retry-after': String(wait), ...extra },
  );

/** Refusing a large body unread: close the connection rather than receive the rest of it. */
const UNREAD = { connection: 'close' };

/**
 * Before the body is read: the client address's bucket, at the request's
 * weight (one token plus one per 64 KiB), and at most two large bodies in
 * flight per address. Fresh keys are not fresh budgets: this runs whatever
 * credential the request carries.
 */
export const addressLimit =
  (limits: RequestLimits): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const ip = limits.clientIp(c);
    const declared = Number(c.req.header('content-length') ?? 0) || 0;
    const cost = requestCost(declared);
    c.set('clientIp', ip);
    c.set('charged', cost);
    const heavy = declared >= HEAVY_BODY_BYTES;
    if (limits.ip) {
      const wait = await limits.ip.take(`ip:${ip}`, cost);
      if (wait > 0) return tooMany(wait, 'this address', limits.ip.perMinute, heavy ? UNREAD : {});
    }
    if (!heavy) return next();
    const release = limits.heavy.tryAcquire(ip);
    if (!release) {
      return jsonRpcErrorResponse(
        429,
        `Too many large requests at once from this address (at most ${limits.heavy.max}); retry when one has finished.`,
        { 'retry-after': '1', ...UNREAD },
      );
    }
    await untilResponseDone(c, next, release);
  };

/** After the caller is known: the tenant's own bucket, at the same weight. Anonymous callers have only their address's. */
export const tenantLimit =
  (limits: RequestLimits): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const caller = c.get('caller');
    if (limits.tenant && caller.mode !== 'anonymous') {
      const wait = await limits.tenant.take(caller.tenant, c.get('charged') ?? 1);
      if (wait > 0) return tooMany(wait, 'this key', limits.tenant.perMinute);
    }
    await next();
  };

/**
 * Charge what the request turned out to weigh beyond what was taken up front:
 * a body sent without Content-Length, and one request per extra message in a batch.
 */
export function chargeMore(limits: RequestLimits) {
  return async (c: Context<AppEnv>, extraMessages: number): Promise<Response | undefined> => {
    const owed = requestCost(c.get('bodyBytes') ?? 0) + extraMessages - (c.get('charged') ?? 1);
    if (owed <= 0) return undefined;
    const total = (c.get('charged') ?? 1) + owed;
    for (const [limiter, key, what] of [
      [limits.ip, `ip:${c.get('clientIp')}`, 'this address'],
      [c.get('caller').mode === 'anonymous' ? undefined : limits.tenant, c.get('caller').tenant, 'this key'],
    ] as const) {
      if (!limiter) continue;
      if (extraMessages + 1 > limiter.burst) {
        return jsonRpcErrorResponse(
          429,
          `This batch of ${extraMessages + 1} messages counts as ${extraMessages + 1} requests, more than the limit allows at once (${limiter.burst}). Send smaller batches.`,
        );
      }
      const wait = await limiter.take(key, owed);
      if (wait > 0) return tooMany(wait, what, limiter.perMinute);
    }
    c.set('charged', total);
    return undefined;
  };
}

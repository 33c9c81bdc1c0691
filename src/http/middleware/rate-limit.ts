import type { Context, MiddlewareHandler } from 'hono';
import type { Config } from '../../config.js';
import type { RateLimiter } from '../../limits/rate-limiter.js';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';

/** The peer address; forwarded headers only when the operator says a proxy in front sets them. */
export function clientIp(c: Context, trust: Config['trustProxy']): string {
  if (trust === 'fly') {
    const ip = c.req.header('fly-client-ip')?.trim();
    if (ip) return ip;
  }
  if (trust === 'x-forwarded-for') {
    const first = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
    if (first) return first;
  }
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * A token bucket per tenant (per client IP for anonymous callers). Over the
 * limit: 429 with Retry-After and a JSON-RPC error body. No limiter: no limit.
 */
export const rateLimit = (
  limiter: RateLimiter | undefined,
  trustProxy: Config['trustProxy'],
): MiddlewareHandler<AppEnv> => {
  if (!limiter) return (_c, next) => next();
  return async (c, next) => {
    const caller = c.get('caller');
    const key = caller.mode === 'anonymous' ? `ip:${clientIp(c, trustProxy)}` : caller.tenant;
    const wait = await limiter.take(key);
    if (wait > 0) {
      return jsonRpcErrorResponse(
        429,
        `Rate limit exceeded (${limiter.perMinute} requests per minute); retry after ${wait} s.`,
        { 'retry-after': String(wait) },
      );
    }
    await next();
  };
};

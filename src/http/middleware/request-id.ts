import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';

const SAFE_ID = /^[\w.-]{1,64}$/;

/** Reuse a sane inbound X-Request-Id (a proxy's), otherwise mint one; echo it back. */
export const requestId = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const inbound = c.req.header('x-request-id');
  const id = inbound && SAFE_ID.test(inbound) ? inbound : randomUUID();
  c.set('requestId', id);
  c.header('x-request-id', id);
  await next();
};

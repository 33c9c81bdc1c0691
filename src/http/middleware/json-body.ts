import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';

/** Deepest JSON nesting accepted; real MCP messages stay far below it. */
export const MAX_JSON_DEPTH = 64;

export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Parse the body once, refuse absurd nesting, and hand the parsed message to
 * the MCP handler (which then does not parse again).
 */
export const jsonBody = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const text = await c.req.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return jsonRpcErrorResponse(400, 'Parse error: the request body is not valid JSON.', {}, -32700);
  }
  if (jsonDepth(body) > MAX_JSON_DEPTH) {
    return jsonRpcErrorResponse(
      400,
      `Invalid request: JSON nested deeper than ${MAX_JSON_DEPTH} levels.`,
      {},
      -32600,
    );
  }
  c.set('parsedBody', body);
  await next();
};

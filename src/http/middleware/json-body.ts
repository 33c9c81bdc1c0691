import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';

/** Deepest JSON nesting accepted; real MCP messages stay far below it. */
export const MAX_JSON_DEPTH = 64;
/** Most values (objects, arrays, scalars) in one message: far above any real call, far below a flood. */
export const MAX_JSON_VALUES = 50_000;

/** Depth of the deepest value, and how many values there are; stops counting past the limits. */
export function jsonShape(
  value: unknown,
  limits = { depth: MAX_JSON_DEPTH, values: MAX_JSON_VALUES },
): { depth: number; values: number } {
  let depth = 0;
  let values = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, level] = stack.pop() as [unknown, number];
    values++;
    if (values > limits.values) break;
    if (typeof node !== 'object' || node === null) continue;
    depth = Math.max(depth, level);
    if (depth > limits.depth) break;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, level + 1]);
  }
  return { depth, values };
}

/**
 * An upper bound on the values in a JSON text, without parsing it: the `:` and
 * `,` outside strings (an object of n keys has about 2n of them). Scanning is a
 * few milliseconds for megabytes; parsing a flood of keys is a hundred.
 */
export function structuralCount(text: string): number {
  let count = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92)
        i++; // backslash: skip the escaped character
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 44 || ch === 58) count++;
  }
  return count;
}

const tooManyValues = () =>
  jsonRpcErrorResponse(
    400,
    `Invalid request: more than ${MAX_JSON_VALUES} JSON values in one message. Pass large data as files (upload_file).`,
    {},
    -32600,
  );

/**
 * Parse the body once, refuse absurd nesting and absurd numbers of values, and
 * hand the parsed message to the MCP handler (which then does not parse again).
 * A large body with far too many values is refused before it is parsed at all.
 */
export const jsonBody = (): MiddlewareHandler<AppEnv> => async (c, next) => {
  const text = await c.req.text();
  c.set('bodyBytes', Buffer.byteLength(text));
  if (text.length > 64 * 1024 && structuralCount(text) > 2 * MAX_JSON_VALUES + 2) return tooManyValues();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return jsonRpcErrorResponse(400, 'Parse error: the request body is not valid JSON.', {}, -32700);
  }
  const shape = jsonShape(body);
  if (shape.depth > MAX_JSON_DEPTH) {
    return jsonRpcErrorResponse(
      400,
      `Invalid request: JSON nested deeper than ${MAX_JSON_DEPTH} levels.`,
      {},
      -32600,
    );
  }
  if (shape.values > MAX_JSON_VALUES) return tooManyValues();
  c.set('parsedBody', body);
  await next();
};

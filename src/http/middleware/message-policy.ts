import type { MiddlewareHandler } from 'hono';
import { prefixOf } from '../../log.js';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';

/** Protocol revisions from this one on have no JSON-RPC batches. */
const NO_BATCHES_SINCE = '2025-06-18';
/** A request without the version header is, by the spec, 2025-03-26. */
const DEFAULT_VERSION = '2025-03-26';
const HEADER_MISMATCH = -32020;

type Message = { method?: unknown; params?: Record<string, unknown>; id?: unknown };

const idOf = (message: Message) =>
  typeof message.id === 'string' || (typeof message.id === 'number' && Number.isInteger(message.id))
    ? message.id
    : null;

/** The body field each name-bearing method mirrors in the Mcp-Name header. */
function nameOf(message: Message): string | undefined {
  const params = message.params ?? {};
  const field =
    message.method === 'tools/call' || message.method === 'prompts/get'
      ? 'name'
      : message.method === 'resources/read'
        ? 'uri'
        : typeof message.method === 'string' && message.method.startsWith('tasks/')
          ? 'taskId'
          : undefined;
  const value = field ? params[field] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** `Mcp-Name` may carry a non-ASCII value as `=?base64?…?=`. */
function decodeHeaderValue(raw: string): string | undefined {
  const m = /^=\?base64\?([A-Za-z0-9+/=]*)\?=$/i.exec(raw.trim());
  if (!m) return raw.trim();
  try {
    return Buffer.from(m[1] ?? '', 'base64').toString('utf8');
  } catch {
    return undefined;
  }
}

/**
 * What the body may be, whatever the protocol era: no batches where the
 * protocol has none (and a batch costs one request per message where it does),
 * and routing headers that agree with the body, so a gateway that authorizes
 * on `Mcp-Method`/`Mcp-Name` cannot be walked around.
 */
export const messagePolicy =
  (
    charge: (c: Parameters<MiddlewareHandler<AppEnv>>[0], extra: number) => Promise<Response | undefined>,
  ): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const body = c.get('parsedBody');
    const method = c.req.header('mcp-method');
    const name = c.req.header('mcp-name');
    if (Array.isArray(body)) {
      const version = c.req.header('mcp-protocol-version')?.trim() || DEFAULT_VERSION;
      if (version >= NO_BATCHES_SINCE) {
        return jsonRpcErrorResponse(
          400,
          `Invalid request: JSON-RPC batches are not part of MCP protocol ${version} (removed in ${NO_BATCHES_SINCE}). Send one message per request.`,
          {},
          -32600,
        );
      }
      if (method !== undefined || name !== undefined) {
        return jsonRpcErrorResponse(
          400,
          'Mcp-Method and Mcp-Name name one message; this body is a batch.',
          {},
          HEADER_MISMATCH,
        );
      }
      const refused = await charge(c, body.length - 1);
      if (refused) return refused;
      return next();
    }
    if (typeof body === 'object' && body !== null) {
      const message = body as Message;
      if (method !== undefined && method.trim() !== message.method) {
        return jsonRpcErrorResponse(
          400,
          `Header mismatch: Mcp-Method says ${JSON.stringify(prefixOf(method.trim()))} but the body's method is ${JSON.stringify(prefixOf(String(message.method)))}.`,
          {},
          HEADER_MISMATCH,
          idOf(message),
        );
      }
      const bodyName = nameOf(message);
      if (name !== undefined && bodyName !== undefined && decodeHeaderValue(name) !== bodyName) {
        return jsonRpcErrorResponse(
          400,
          `Header mismatch: Mcp-Name says ${JSON.stringify(prefixOf(name.trim()))} but the body names ${JSON.stringify(prefixOf(bodyName))}.`,
          {},
          HEADER_MISMATCH,
          idOf(message),
        );
      }
    }
    await next();
  };

import type { ServerResponse } from 'node:http';
import {
  createMcpHandler,
  type McpServerFactory,
  PROTOCOL_VERSION_META_KEY,
  TRACEPARENT_META_KEY,
  TRACESTATE_META_KEY,
} from '@modelcontextprotocol/server';
import { Hono } from 'hono';
import type { OAuthService } from '../../auth/oauth/service.js';
import type { AuthPosture } from '../../config.js';
import type { AuthFailures } from '../../limits/auth-failures.js';
import type { RefusedKeys } from '../../limits/refused-keys.js';
import type { Logger } from '../../log.js';
import { declaresTasks } from '../../mcp/tasks/register.js';
import type { RequestExtra } from '../../mcp/tool-table.js';
import { selectionFrom } from '../../mcp/toolsets.js';
import type { McpMessage, Tracing } from '../../telemetry/tracing.js';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';
import { bodySize } from '../middleware/body-size.js';
import { callerContext } from '../middleware/caller-context.js';
import { jsonBody } from '../middleware/json-body.js';
import { messagePolicy } from '../middleware/message-policy.js';
import { type OriginHostPolicy, originValidation } from '../middleware/origin-host.js';
import { addressLimit, chargeMore, type RequestLimits, tenantLimit } from '../middleware/rate-limit.js';

export interface McpRouteOptions {
  factory: McpServerFactory;
  posture: AuthPosture;
  policy: OriginHostPolicy;
  maxBodyBytes: number;
  limits: RequestLimits;
  failures: AuthFailures;
  refused: RefusedKeys;
  logger: Logger;
  /** Present when OAuth sign-in is on: sealed tokens are accepted and anonymous calls challenged. */
  oauth?: OAuthService | undefined;
  /** OpenTelemetry: a server span per MCP request when tracing is on. */
  tracing?: Tracing | undefined;
}

/** POST /mcp for both protocol eras; GET and DELETE are 405 (stateless: no streams, no sessions). */
export function mcpRoute(options: McpRouteOptions): Hono<AppEnv> {
  const handler = createMcpHandler(options.factory, {
    legacy: 'stateless',
    maxRequestBodySize: options.maxBodyBytes,
    onerror: (error) => options.logger.warn('mcp transport error', { error }),
  });
  const route = new Hono<AppEnv>();

  route.use('*', originValidation(options.policy));
  route.use('*', async (c, next) => {
    const selection = selectionFrom(c.req.raw);
    if ('error' in selection) return jsonRpcErrorResponse(400, selection.error, {}, -32602);
    c.set('selection', selection);
    await next();
  });
  // The order is the checklist: address budget (before the body is read), body size, who is
  // calling (failed credentials count against the address), the tenant's budget, then the message.
  route.post(
    '/',
    addressLimit(options.limits),
    bodySize(options.maxBodyBytes, () =>
      jsonRpcErrorResponse(413, `Request body too large: the limit is ${options.maxBodyBytes} bytes.`),
    ),
    callerContext({
      posture: options.posture,
      oauth: options.oauth,
      failures: options.failures,
      refused: options.refused,
    }),
    tenantLimit(options.limits),
    jsonBody(),
    messagePolicy(chargeMore(options.limits)),
    (c) => {
      // Traced, each request gets its own caller object: its span is found through it (a shared
      // one, such as the anonymous caller, would mix concurrent requests' spans).
      const caller = options.tracing ? { ...c.get('caller') } : c.get('caller');
      const rpc = rpcOf(c.get('parsedBody'));
      const operation = rpc && {
        method: rpc.method,
        tool: rpc.tool,
        protocolVersion: c.req.header('mcp-protocol-version'),
        toolError: false,
      };
      if (operation) c.set('operation', operation);
      const extra: RequestExtra = {
        caller,
        requestId: c.get('requestId'),
        selection: c.get('selection'),
        rpc,
        log: c.get('log'),
        operation,
      };
      const serve = () =>
        handler.fetch(c.req.raw, {
          parsedBody: c.get('parsedBody'),
          // The SDK passes authInfo through untouched to tool handlers; the token
          // field holds the tenant id, never the key.
          authInfo: { token: caller.tenant, clientId: caller.tenant, scopes: [], extra: { ...extra } },
        });
      const { tracing } = options;
      if (!tracing) return serve();
      // The request's span travels with its caller: fal calls made for it become its children.
      const span = tracing.startRequestSpan(caller, messageOf(c.get('parsedBody'), c.req.raw.headers));
      // Under Node the socket says when the answer (streamed or not) is done; in process, its body does.
      const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
      return serve().then(
        (response) => {
          if (typeof outgoing?.once !== 'function') return tracing.endWithResponse(span, response);
          span.setAttribute('http.response.status_code', response.status);
          outgoing.once('close', () => span.end());
          return response;
        },
        (error: unknown) => {
          span.end();
          throw error;
        },
      );
    },
  );
  route.all('/', () =>
    jsonRpcErrorResponse(405, 'Method not allowed: this server is stateless; send MCP messages with POST.', {
      allow: 'POST',
    }),
  );
  return route;
}

/** What names and parents a request's span: the message's method, tool, id, protocol version and trace context. */
function messageOf(body: unknown, headers: Headers): McpMessage {
  const single = typeof body === 'object' && body !== null && !Array.isArray(body);
  const message = (single ? body : {}) as {
    id?: unknown;
    method?: unknown;
    params?: { name?: unknown; _meta?: Record<string, unknown> };
  };
  const meta = message.params?._meta ?? {};
  const text = (value: unknown) => (typeof value === 'string' && value.length <= 512 ? value : undefined);
  const traceparent = text(meta[TRACEPARENT_META_KEY]) ?? headers.get('traceparent') ?? undefined;
  const tracestate = text(meta[TRACESTATE_META_KEY]) ?? headers.get('tracestate') ?? undefined;
  return {
    method: text(message.method),
    tool: message.method === 'tools/call' ? text(message.params?.name) : undefined,
    id: typeof message.id === 'string' || typeof message.id === 'number' ? message.id : undefined,
    protocolVersion: headers.get('mcp-protocol-version') ?? text(meta[PROTOCOL_VERSION_META_KEY]),
    carrier: {
      ...(traceparent ? { traceparent } : {}),
      ...(tracestate ? { tracestate } : {}),
    },
  };
}

/** Method (and for tools/call, the tool) of a single JSON-RPC message; undefined for a batch. */
function rpcOf(body: unknown): RequestExtra['rpc'] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const message = body as { method?: unknown; params?: { name?: unknown; _meta?: unknown } };
  if (typeof message.method !== 'string') return undefined;
  const tool = message.method === 'tools/call' ? message.params?.name : undefined;
  return {
    method: message.method,
    tool: typeof tool === 'string' ? tool : undefined,
    tasks: declaresTasks(message.params?._meta),
  };
}

import {
  type Attributes,
  defaultTextMapGetter,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapPropagator,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { McpMessage, Tracing } from './types.js';

/** The span-making half of Tracing, over a started tracer (imported only when tracing is on). */
export function spanKit(tracer: Tracer, propagator: TextMapPropagator): Omit<Tracing, 'shutdown'> {
  // A request's span, found through the object that travels with everything the request does (its
  // caller): fal calls made for it become its children, with no context manager to pay for.
  const requestSpans = new WeakMap<object, Span>();
  const fail = (span: Span, errorType?: string) => {
    span.setStatus({ code: SpanStatusCode.ERROR });
    if (errorType) span.setAttribute('error.type', errorType);
  };
  return {
    startRequestSpan(owner, message) {
      const parent = propagator.extract(ROOT_CONTEXT, message.carrier, defaultTextMapGetter);
      const span = tracer.startSpan(
        message.method ? `${message.method}${message.tool ? ` ${message.tool}` : ''}` : 'mcp batch',
        { kind: SpanKind.SERVER, attributes: attributesOf(message) },
        parent,
      );
      requestSpans.set(owner, span);
      return span;
    },
    startClientSpan(owner, name, attributes) {
      const parent = requestSpans.get(owner);
      const context = parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT;
      return tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, context);
    },
    fail,
    markToolError(owner) {
      const span = requestSpans.get(owner);
      if (span) fail(span, 'tool_error');
    },
    endWithResponse,
  };
}

/** The attributes OpenTelemetry's MCP conventions give a server span. */
function attributesOf(message: McpMessage): Attributes {
  return {
    ...(message.method ? { 'mcp.method.name': message.method } : {}),
    ...(message.tool ? { 'gen_ai.tool.name': message.tool, 'gen_ai.operation.name': 'execute_tool' } : {}),
    ...(message.id !== undefined ? { 'jsonrpc.request.id': String(message.id) } : {}),
    ...(message.protocolVersion ? { 'mcp.protocol.version': message.protocolVersion } : {}),
    'network.transport': 'tcp',
    'network.protocol.name': 'http',
  };
}

function endWithResponse(span: Span, response: Response): Response {
  span.setAttribute('http.response.status_code', response.status);
  if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) {
    span.end();
    return response;
  }
  const reader = response.body.getReader();
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          span.end();
        } else controller.enqueue(value);
      } catch (error) {
        span.end();
        controller.error(error);
      }
    },
    cancel(reason) {
      span.end();
      return reader.cancel(reason);
    },
  });
  return new Response(body, { status: response.status, headers: response.headers });
}

import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';

export type { Span, Tracer } from '@opentelemetry/api';

export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: tracing is on only when set. */
  endpoint: string | undefined;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
  sampler: string;
  samplerArg: number;
}

export interface Tracing {
  tracer: Tracer;
  /** Send what is buffered and stop (shutdown, tests). */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry traces over OTLP/HTTP, configured by the standard variables.
 * The SDK is loaded only when an endpoint is set: without one nothing is
 * imported, no span is made, and every call site checks one `undefined`.
 */
export async function startTracing(config: TracingConfig, version: string): Promise<Tracing | undefined> {
  if (!config.endpoint) return undefined;
  const [sdk, core, resources, exporters] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    config.protocol === 'http/json'
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
  ]);
  // No context manager: AsyncLocalStorage would tax every promise of every request (~30 % of a
  // cached call's throughput, measured). A request's span travels with its caller instead (spanOf).
  propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  const exporter = new exporters.OTLPTraceExporter({
    url: `${config.endpoint.replace(/\/$/, '')}/v1/traces`,
  });
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': config.serviceName,
      'service.version': version,
    }),
    sampler: samplerOf(sdk, config),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
  });
  return {
    tracer: provider.getTracer('fal-mcp-server', version),
    shutdown: () => provider.shutdown(),
  };
}

function samplerOf(sdk: typeof import('@opentelemetry/sdk-trace-base'), config: TracingConfig) {
  const ratio = new sdk.TraceIdRatioBasedSampler(config.samplerArg);
  switch (config.sampler) {
    case 'always_on':
      return new sdk.AlwaysOnSampler();
    case 'always_off':
      return new sdk.AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new sdk.ParentBasedSampler({ root: ratio });
    default:
      return new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() });
  }
}

/** What the server span of one MCP message is named and attributed by (OpenTelemetry's MCP conventions). */
export interface McpMessage {
  method: string | undefined;
  tool: string | undefined;
  id: string | number | undefined;
  protocolVersion: string | undefined;
  /** `params._meta.traceparent`/`tracestate`, else the HTTP headers. */
  carrier: Record<string, string>;
}

/**
 * A request's span, found through the object that travels with everything the
 * request does (its caller): fal calls made for it become its children, with
 * no context manager to pay for.
 */
const requestSpans = new WeakMap<object, Span>();

export function bindSpan(owner: object, span: Span): void {
  requestSpans.set(owner, span);
}

/** A child of the span bound to `owner`, or a root span when there is none. */
export function startChildSpan(tracer: Tracer, owner: object, name: string, options: SpanOptions): Span {
  const parent = requestSpans.get(owner);
  return tracer.startSpan(name, options, parent ? trace.setSpan(ROOT_CONTEXT, parent) : ROOT_CONTEXT);
}

/** The server span of an MCP request, child of the caller's trace when it sent one. */
export function startMcpSpan(tracer: Tracer, message: McpMessage): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, message.carrier);
  const name = message.method ? `${message.method}${message.tool ? ` ${message.tool}` : ''}` : 'mcp batch';
  const span = tracer.startSpan(
    name,
    {
      kind: SpanKind.SERVER,
      attributes: {
        ...(message.method ? { 'mcp.method.name': message.method } : {}),
        ...(message.tool
          ? { 'gen_ai.tool.name': message.tool, 'gen_ai.operation.name': 'execute_tool' }
          : {}),
        ...(message.id !== undefined ? { 'jsonrpc.request.id': String(message.id) } : {}),
        ...(message.protocolVersion ? { 'mcp.protocol.version': message.protocolVersion } : {}),
        'network.transport': 'tcp',
        'network.protocol.name': 'http',
      },
    },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

/** The tool answered with isError: the conventions' `error.type`, on the request's span if there is one. */
export function markToolError(owner: object): void {
  const span = requestSpans.get(owner);
  if (!span) return;
  span.setAttribute('error.type', 'tool_error');
  span.setStatus({ code: SpanStatusCode.ERROR });
}

/** End a span when a response has been read to its end (an SSE answer outlives its handler). */
export function endWithResponse(span: Span, response: Response): Response {
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

export { SpanKind, SpanStatusCode };

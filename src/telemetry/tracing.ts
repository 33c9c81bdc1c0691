import type { Tracing } from './types.js';

export type { Span } from '@opentelemetry/api';
export type { McpMessage, Tracing } from './types.js';

export interface TracingConfig {
  /** OTEL_EXPORTER_OTLP_ENDPOINT: tracing is on only when set. */
  endpoint: string | undefined;
  protocol: 'http/protobuf' | 'http/json';
  serviceName: string;
  sampler: string;
  samplerArg: number;
}

/**
 * OpenTelemetry traces over OTLP/HTTP, configured by the standard variables.
 * The SDK (and the API: spans.ts) is loaded only when an endpoint is set:
 * without one nothing is imported, no span is made, and every call site checks
 * one `undefined`.
 */
export async function startTracing(config: TracingConfig, version: string): Promise<Tracing | undefined> {
  if (!config.endpoint) return undefined;
  const [sdk, core, resources, exporters, { spanKit }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    config.protocol === 'http/json'
      ? import('@opentelemetry/exporter-trace-otlp-http')
      : import('@opentelemetry/exporter-trace-otlp-proto'),
    import('./spans.js'),
  ]);
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
  // No context manager: AsyncLocalStorage would tax every promise of every request (~30 % of a
  // cached call's throughput, measured). A request's span travels with its caller instead (spans.ts).
  return {
    ...spanKit(provider.getTracer('fal-mcp-server', version), new core.W3CTraceContextPropagator()),
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

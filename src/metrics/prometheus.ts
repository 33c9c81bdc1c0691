import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { type GaugeSources, registerGauges } from './gauges.js';

// From a cached answer (milliseconds) to a long wait on a video model (up to 50 s).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export type Instruments = ReturnType<typeof createInstruments>;

/**
 * The process's Prometheus registry: request, tool and upstream counters with
 * duration histograms (so p95/p99 can be read), the gauges read on every
 * scrape, and Node's default process metrics. One registry per app, so several
 * apps in one process (tests) do not share counts.
 */
export function createInstruments(gauges: GaugeSources | undefined) {
  const registry = new Registry();
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Counter({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: L[]) =>
    new Histogram({ name, help, labelNames, buckets: DURATION_BUCKETS, registers });
  collectDefaultMetrics({ register: registry });
  if (gauges) registerGauges(registry, gauges);
  return {
    registry,
    /** Gauges over sources given after the instruments were made. */
    watch: (sources: GaugeSources) => registerGauges(registry, sources),
    httpRequests: counter('fal_mcp_http_requests_total', 'HTTP requests by route and status', [
      'route',
      'status',
    ]),
    httpDuration: histogram(
      'fal_mcp_http_request_duration_seconds',
      'Time from request to the end of its response (streams included), by route',
      ['route'],
    ),
    toolCalls: counter('fal_mcp_tool_calls_total', 'Tool calls by tool and outcome', ['outcome', 'tool']),
    toolDuration: histogram('fal_mcp_tool_call_duration_seconds', 'Tool call duration', ['tool']),
    upstreamCalls: counter('fal_mcp_upstream_requests_total', 'Calls to fal by API and outcome', [
      'api',
      'outcome',
    ]),
    upstreamDuration: histogram('fal_mcp_upstream_duration_seconds', 'Duration of calls to fal', ['api']),
    cacheLookups: counter('fal_mcp_cache_lookups_total', 'Cache lookups by cache and result', [
      'cache',
      'result',
    ]),
    // OpenTelemetry's `mcp.server.operation.duration`, named as its Prometheus exporter names it.
    operationDuration: histogram(
      'mcp_server_operation_duration_seconds',
      'MCP request duration by method, tool, protocol version and error type (OpenTelemetry MCP conventions)',
      ['error_type', 'gen_ai_tool_name', 'mcp_method_name', 'mcp_protocol_version'],
    ),
  };
}

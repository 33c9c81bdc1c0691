import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

export interface OperationFacts {
  method: string;
  tool: string | undefined;
  protocolVersion: string | undefined;
  toolError: boolean;
}

const PROTOCOL_VERSIONS = new Set(['2026-07-28', ...SUPPORTED_PROTOCOL_VERSIONS]);
const MCP_METHODS = new Set([
  'initialize',
  'ping',
  'server/discover',
  'subscriptions/listen',
  'resources/subscribe',
  'resources/unsubscribe',
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/read',
  'resources/templates/list',
  'prompts/list',
  'prompts/get',
  'completion/complete',
  'logging/setLevel',
  'tasks/get',
  'tasks/result',
  'tasks/list',
  'tasks/cancel',
  'notifications/initialized',
  'notifications/cancelled',
]);

// From a cached answer (milliseconds) to a long wait on a video model (up to 50 s).
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The process's Prometheus registry: request, tool and upstream counters with
 * duration histograms (so p95/p99 can be read), plus Node's default process
 * metrics. One registry per app, so several apps in one process (tests) do not
 * share counts.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #httpRequests = this.#counter('fal_mcp_http_requests_total', 'HTTP requests by route and status', [
    'route',
    'status',
  ]);
  readonly #httpDuration = this.#histogram(
    'fal_mcp_http_request_duration_seconds',
    'Time from request to the end of its response (streams included), by route',
    ['route'],
  );
  readonly #toolCalls = this.#counter('fal_mcp_tool_calls_total', 'Tool calls by tool and outcome', [
    'outcome',
    'tool',
  ]);
  readonly #toolDuration = this.#histogram('fal_mcp_tool_call_duration_seconds', 'Tool call duration', [
    'tool',
  ]);
  readonly #upstreamCalls = this.#counter(
    'fal_mcp_upstream_requests_total',
    'Calls to fal by API and outcome',
    ['api', 'outcome'],
  );
  readonly #upstreamDuration = this.#histogram(
    'fal_mcp_upstream_duration_seconds',
    'Duration of calls to fal',
    ['api'],
  );
  readonly #cacheLookups = this.#counter('fal_mcp_cache_lookups_total', 'Cache lookups by cache and result', [
    'cache',
    'result',
  ]);

  // OpenTelemetry's `mcp.server.operation.duration`, named as its Prometheus exporter names it.
  readonly #operationDuration = this.#histogram(
    'mcp_server_operation_duration_seconds',
    'MCP request duration by method, tool, protocol version and error type (OpenTelemetry MCP conventions)',
    ['error_type', 'gen_ai_tool_name', 'mcp_method_name', 'mcp_protocol_version'],
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  http(route: string, status: number, seconds: number): void {
    this.#httpRequests.inc({ route, status: String(status) });
    this.#httpDuration.observe({ route }, seconds);
  }

  // Labels are passed in alphabetical order: prom-client writes them in the order given.
  tool(tool: string, outcome: 'ok' | 'error', seconds: number): void {
    this.#toolCalls.inc({ outcome, tool });
    this.#toolDuration.observe({ tool }, seconds);
  }

  /**
   * One MCP message answered: `error_type` is `tool_error` when the tool said isError, the HTTP
   * status when the request was refused (429, 401…), empty otherwise. Label values a caller
   * chooses are kept only when known (`knownTools` for tools), so a scanner cannot grow the series.
   */
  operation(op: OperationFacts, status: number, seconds: number, knownTools: ReadonlySet<string>): void {
    this.#operationDuration.observe(
      {
        error_type: op.toolError ? 'tool_error' : status >= 400 ? String(status) : '',
        gen_ai_tool_name: op.tool === undefined ? '' : knownTools.has(op.tool) ? op.tool : 'other',
        mcp_method_name: MCP_METHODS.has(op.method) ? op.method : 'other',
        mcp_protocol_version: PROTOCOL_VERSIONS.has(op.protocolVersion ?? '')
          ? (op.protocolVersion ?? '')
          : '',
      },
      seconds,
    );
  }

  upstream(api: string, outcome: string, seconds: number): void {
    this.#upstreamCalls.inc({ api, outcome });
    this.#upstreamDuration.observe({ api }, seconds);
  }

  cache(cache: string, hit: boolean): void {
    this.#cacheLookups.inc({ cache, result: hit ? 'hit' : 'miss' });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  #counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  #histogram<L extends string>(name: string, help: string, labelNames: L[]): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets: DURATION_BUCKETS, registers: [this.registry] });
  }
}

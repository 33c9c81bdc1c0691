import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

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

import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { GaugeSources } from './gauges.js';
import type { Instruments } from './prometheus.js';

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

/** Observations kept while prom-client loads (a few ms after the first one); more are not counted. */
const MAX_PENDING = 10_000;

/**
 * What the server counts, in Prometheus's terms (prometheus.ts). prom-client is
 * loaded on first use (the first observation or scrape), not at start: a fresh
 * process answers its first request ~50 ms sooner (docs/benchmarks.md). What is
 * observed while it loads is kept and counted once it has.
 */
export class Metrics {
  #instruments: Instruments | undefined;
  #loading: Promise<Instruments> | undefined;
  #pending: ((m: Instruments) => void)[] = [];
  #gauges: GaugeSources | undefined;

  /** Read the catalogue, fal's circuits and the shared store on every scrape. */
  watch(sources: GaugeSources): void {
    this.#gauges = sources;
    this.#instruments?.watch(sources);
  }

  http(route: string, status: number, seconds: number): void {
    this.#record((m) => {
      m.httpRequests.inc({ route, status: String(status) });
      m.httpDuration.observe({ route }, seconds);
    });
  }

  // Labels are passed in alphabetical order: prom-client writes them in the order given.
  tool(tool: string, outcome: 'ok' | 'error', seconds: number): void {
    this.#record((m) => {
      m.toolCalls.inc({ outcome, tool });
      m.toolDuration.observe({ tool }, seconds);
    });
  }

  /**
   * One MCP message answered: `error_type` is `tool_error` when the tool said isError, the HTTP
   * status when the request was refused (429, 401…), empty otherwise. Label values a caller
   * chooses are kept only when known (`knownTools` for tools), so a scanner cannot grow the series.
   */
  operation(op: OperationFacts, status: number, seconds: number, knownTools: ReadonlySet<string>): void {
    this.#record((m) => {
      m.operationDuration.observe(
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
    });
  }

  upstream(api: string, outcome: string, seconds: number): void {
    this.#record((m) => {
      m.upstreamCalls.inc({ api, outcome });
      m.upstreamDuration.observe({ api }, seconds);
    });
  }

  cache(cache: string, hit: boolean): void {
    this.#record((m) => {
      m.cacheLookups.inc({ cache, result: hit ? 'hit' : 'miss' });
    });
  }

  /** The Prometheus text exposition, and its content type. */
  async render(): Promise<{ text: string; contentType: string }> {
    const { registry } = await this.#load();
    return { text: await registry.metrics(), contentType: registry.contentType };
  }

  /** Count now, or once prom-client has loaded (a failed load only loses counts, never a request). */
  #record(observe: (m: Instruments) => void): void {
    if (this.#instruments) {
      observe(this.#instruments);
      return;
    }
    if (this.#pending.length < MAX_PENDING) this.#pending.push(observe);
    this.#load().catch(() => undefined);
  }

  #load(): Promise<Instruments> {
    this.#loading ??= import('./prometheus.js').then(({ createInstruments }) => {
      const instruments = createInstruments(this.#gauges);
      this.#instruments = instruments;
      for (const observe of this.#pending.splice(0)) observe(instruments);
      return instruments;
    });
    return this.#loading;
  }
}

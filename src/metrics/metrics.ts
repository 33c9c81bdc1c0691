/** A small Prometheus registry: counters and summaries with labels, gauges read on scrape. */

type Labels = Record<string, string>;

const keyOf = (labels: Labels) =>
  Object.entries(labels)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

class Family {
  readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge',
  ) {}

  add(labels: Labels, by = 1): void {
    const k = keyOf(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

export class Metrics {
  readonly #families = new Map<string, Family>();
  readonly #gauges: (() => { name: string; help: string; values: [Labels, number][] })[] = [];

  #family(name: string, help: string, type: 'counter' | 'gauge'): Family {
    let f = this.#families.get(name);
    if (!f) {
      f = new Family(name, help, type);
      this.#families.set(name, f);
    }
    return f;
  }

  count(name: string, help: string, labels: Labels = {}, by = 1): void {
    this.#family(name, help, 'counter').add(labels, by);
  }

  /** A duration as `_seconds_sum` and `_seconds_count` (a Prometheus summary without quantiles). */
  observe(name: string, help: string, labels: Labels, seconds: number): void {
    this.#family(`${name}_seconds_sum`, `${help} (total seconds)`, 'counter').add(labels, seconds);
    this.#family(`${name}_seconds_count`, `${help} (observations)`, 'counter').add(labels, 1);
  }

  /** A gauge computed at scrape time. */
  gauge(read: () => { name: string; help: string; values: [Labels, number][] }): void {
    this.#gauges.push(read);
  }

  render(): string {
    const blocks = [...this.#families.values()].map((f) => f.render());
    for (const read of this.#gauges) {
      const g = read();
      const family = new Family(g.name, g.help, 'gauge');
      for (const [labels, v] of g.values) family.add(labels, v);
      blocks.push(family.render());
    }
    return `${blocks.join('\n')}\n`;
  }
}

/** The one place metric names are spelled. */
export const M = {
  http: (m: Metrics, route: string, status: number, seconds: number) => {
    m.count('fal_mcp_http_requests_total', 'HTTP requests by route and status', {
      route,
      status: String(status),
    });
    m.observe('fal_mcp_http_request_duration', 'Time from request to response, by route', { route }, seconds);
  },
  tool: (m: Metrics, tool: string, outcome: 'ok' | 'error', seconds: number) => {
    m.count('fal_mcp_tool_calls_total', 'Tool calls by tool and outcome', { tool, outcome });
    m.observe('fal_mcp_tool_call_duration', 'Tool call duration', { tool }, seconds);
  },
  upstream: (m: Metrics, api: string, outcome: string, seconds: number) => {
    m.count('fal_mcp_upstream_requests_total', 'Calls to fal by API and outcome', { api, outcome });
    m.observe('fal_mcp_upstream_duration', 'Duration of calls to fal', { api }, seconds);
  },
  cache: (m: Metrics, cache: string, hit: boolean) =>
    m.count('fal_mcp_cache_lookups_total', 'Cache lookups by cache and result', {
      cache,
      result: hit ? 'hit' : 'miss',
    }),
};

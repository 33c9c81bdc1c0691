import type { FalClient } from '../fal/client.js';
import type { ModelRegistry } from '../registry/registry.js';
import type { SharedStore } from '../store/store.js';
import type { Metrics } from './metrics.js';

/** The gauges read on every scrape: catalogue, circuits, process memory, shared store. */
export function registerGauges(
  metrics: Metrics,
  deps: { registry: ModelRegistry; fal: FalClient; store: SharedStore },
) {
  metrics.gauge(() => {
    const s = deps.registry.status();
    return {
      name: 'fal_mcp_catalogue',
      help: 'Model catalogue: models, age in seconds, crawls since start, and whether it is the fallback list',
      values: [
        [{ measure: 'models' }, s.models],
        [{ measure: 'age_seconds' }, s.ageSeconds ?? -1],
        [{ measure: 'crawls' }, s.crawls],
        [{ measure: 'fallback' }, s.source === 'fallback' ? 1 : 0],
      ],
    };
  });
  metrics.gauge(() => ({
    name: 'fal_mcp_upstream_circuit_open',
    help: "Whether each fal route's circuit is open for everyone (1) or not (0)",
    values: Object.entries(deps.fal.breakerStates().routes).map(([route, state]) => [
      { route },
      state === 'open' ? 1 : 0,
    ]),
  }));
  metrics.gauge(() => ({
    name: 'fal_mcp_upstream_tenant_circuits_open',
    help: 'Circuits open for a single caller (their own calls kept failing)',
    values: [[{}, deps.fal.breakerStates().openTenantCircuits]],
  }));
  metrics.gauge(() => {
    const m = process.memoryUsage();
    return {
      name: 'fal_mcp_process_memory_bytes',
      help: 'Process memory: resident set, V8 heap used and total, and memory outside the heap',
      values: [
        [{ measure: 'rss' }, m.rss],
        [{ measure: 'heap_used' }, m.heapUsed],
        [{ measure: 'heap_total' }, m.heapTotal],
        [{ measure: 'external' }, m.external + m.arrayBuffers],
      ],
    };
  });
  metrics.gauge(() => {
    const s = deps.store.status();
    return {
      name: 'fal_mcp_shared_store_up',
      help: 'Whether the shared store (memory, or Redis with REDIS_URL) answers (1) or not (0)',
      values: [[{ kind: s.kind }, s.state === 'ok' ? 1 : 0]],
    };
  });
}

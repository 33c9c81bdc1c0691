import { Gauge, type Registry } from 'prom-client';
import type { FalClient } from '../fal/client.js';
import type { ModelRegistry } from '../registry/registry.js';
import type { SharedStore } from '../store/store.js';

/** What the gauges read: the catalogue, fal's circuits, the shared store. */
export interface GaugeSources {
  registry: ModelRegistry;
  fal: FalClient;
  store: SharedStore;
}

/** The gauges read on every scrape: catalogue, circuits, shared store (process memory is a default metric). */
export function registerGauges(registry: Registry, deps: GaugeSources): void {
  const registers = [registry];
  new Gauge({
    name: 'fal_mcp_catalogue',
    help: 'Model catalogue: models, age in seconds, crawls since start, and whether it is the fallback list',
    labelNames: ['measure'],
    registers,
    collect() {
      const s = deps.registry.status();
      this.set({ measure: 'models' }, s.models);
      this.set({ measure: 'age_seconds' }, s.ageSeconds ?? -1);
      this.set({ measure: 'crawls' }, s.crawls);
      this.set({ measure: 'fallback' }, s.source === 'fallback' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'fal_mcp_upstream_circuit_open',
    help: "Whether each fal route's circuit is open for everyone (1) or not (0)",
    labelNames: ['route'],
    registers,
    collect() {
      for (const [route, state] of Object.entries(deps.fal.breakerStates().routes)) {
        this.set({ route }, state === 'open' ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: 'fal_mcp_upstream_tenant_circuits_open',
    help: 'Circuits open for a single caller (their own calls kept failing)',
    registers,
    collect() {
      this.set(deps.fal.breakerStates().openTenantCircuits);
    },
  });
  new Gauge({
    name: 'fal_mcp_shared_store_up',
    help: 'Whether the shared store (memory, or Redis with REDIS_URL) answers (1) or not (0)',
    labelNames: ['kind'],
    registers,
    collect() {
      const s = deps.store.status();
      this.reset();
      this.set({ kind: s.kind }, s.state === 'ok' ? 1 : 0);
    },
  });
}

import { Hono } from 'hono';
import type { ModelRegistry } from '../../registry/registry.js';
import type { StoreStatus } from '../../store/store.js';
import { SERVER_VERSION } from '../../version.js';
import type { AppEnv } from '../env.js';

export interface HealthState {
  registry: ModelRegistry;
  /** The shared circuit of each fal route, and how many single-caller circuits are open. */
  breakers: () => { routes: Record<string, string>; openTenantCircuits: number };
  /** The shared store's state (memory, or Redis with REDIS_URL). */
  store: () => StoreStatus;
  /** Set during shutdown so load balancers stop sending traffic. */
  isDraining: () => boolean;
}

/**
 * /health is liveness and never calls upstream; /ready reports the catalogue and
 * the shared store. An unreachable store does not make the machine unready: every
 * feature has a documented fallback, and pulling every machine out of the load
 * balancer at once would turn a degraded service into an outage.
 */
export function healthRoutes(state: HealthState): Hono<AppEnv> {
  const route = new Hono<AppEnv>();
  route.get('/health', (c) => c.json({ status: 'ok', version: SERVER_VERSION }));
  route.get('/ready', (c) => {
    const s = state.registry.status();
    if (!s.loaded && !s.refreshing) void state.registry.warm();
    const store = state.store();
    const circuits = state.breakers();
    const ready = s.loaded && !state.isDraining();
    const body = {
      status: state.isDraining() ? 'draining' : ready ? 'ready' : 'starting',
      catalogue: {
        source: s.source ?? null,
        models: s.models,
        age_seconds: s.ageSeconds ?? null,
        stale: s.stale,
        refreshing: s.refreshing,
      },
      upstream: {
        state:
          s.lastError || Object.values(circuits.routes).includes('open')
            ? 'degraded'
            : s.loaded
              ? 'ok'
              : 'unknown',
        last_error: s.lastError ?? null,
        circuits: circuits.routes,
        tenant_circuits_open: circuits.openTenantCircuits,
      },
      store: { kind: store.kind, state: store.state, last_error: store.lastError ?? null },
      version: SERVER_VERSION,
    };
    return c.json(body, ready ? 200 : 503);
  });
  return route;
}

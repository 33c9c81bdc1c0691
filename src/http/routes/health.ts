import { Hono } from 'hono';
import type { ModelRegistry } from '../../registry/registry.js';
import { SERVER_VERSION } from '../../version.js';
import type { AppEnv } from '../env.js';

export interface HealthState {
  registry: ModelRegistry;
  /** Circuit state per fal upstream. */
  breakers: () => Record<string, string>;
  /** Set during shutdown so load balancers stop sending traffic. */
  isDraining: () => boolean;
}

/** /health is liveness and never calls upstream; /ready reports the catalogue. */
export function healthRoutes(state: HealthState): Hono<AppEnv> {
  const route = new Hono<AppEnv>();
  route.get('/health', (c) => c.json({ status: 'ok', version: SERVER_VERSION }));
  route.get('/ready', (c) => {
    const s = state.registry.status();
    if (!s.loaded && !s.refreshing) void state.registry.warm();
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
          s.lastError || Object.values(state.breakers()).includes('open')
            ? 'degraded'
            : s.loaded
              ? 'ok'
              : 'unknown',
        last_error: s.lastError ?? null,
        circuits: state.breakers(),
      },
      version: SERVER_VERSION,
    };
    return c.json(body, ready ? 200 : 503);
  });
  return route;
}

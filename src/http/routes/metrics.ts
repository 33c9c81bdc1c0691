import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { Config } from '../../config.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { AppEnv } from '../env.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** GET /metrics in Prometheus text format: 404 unless enabled, 401 without the token when one is set. */
export function metricsRoute(metrics: Metrics, setting: Config['metrics']): Hono<AppEnv> {
  const route = new Hono<AppEnv>();
  route.get('/metrics', (c) => {
    if (!setting.enabled)
      return c.json({ error: 'metrics are disabled (set METRICS_ENABLED or METRICS_TOKEN)' }, 404);
    if (setting.token) {
      const given = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(given), digest(setting.token.reveal()))) {
        return c.json({ error: 'send Authorization: Bearer <METRICS_TOKEN>' }, 401, {
          'www-authenticate': 'Bearer',
        });
      }
    }
    return c.body(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  });
  return route;
}

import { Hono } from 'hono';
import { bearerAuth } from 'hono/bearer-auth';
import type { Config } from '../../config.js';
import type { Metrics } from '../../metrics/metrics.js';
import type { AppEnv } from '../env.js';

const REFUSAL = { message: { error: 'send Authorization: Bearer <METRICS_TOKEN>' } };

/** GET /metrics in Prometheus text format: 404 unless enabled, 401 without the token when one is set. */
export function metricsRoute(metrics: Metrics, setting: Config['metrics']): Hono<AppEnv> {
  const route = new Hono<AppEnv>();
  if (!setting.enabled) {
    route.get('/metrics', (c) =>
      c.json({ error: 'metrics are disabled (set METRICS_ENABLED or METRICS_TOKEN)' }, 404),
    );
    return route;
  }
  if (setting.token) {
    const token = setting.token.reveal();
    route.use(
      '/metrics',
      bearerAuth({
        token,
        noAuthenticationHeader: REFUSAL,
        invalidAuthenticationHeader: REFUSAL,
        invalidToken: REFUSAL,
      }),
    );
  }
  route.get('/metrics', async (c) => {
    const { text, contentType } = await metrics.render();
    return c.body(text, 200, { 'content-type': contentType });
  });
  return route;
}

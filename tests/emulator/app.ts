import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { type Fault, FaultBook, type RouteName } from './faults.js';
import { historyRoutes } from './history.js';
import { platformRoutes } from './platform.js';
import { queueRoutes, sizedResultOfJob } from './queue.js';
import { type EmulatorOptions, EmulatorState } from './state.js';
import { storageRoutes } from './storage.js';
import { jwksOf, type SignedDelivery, signDelivery } from './webhooks.js';

export interface RunningEmulator {
  /** Base URLs to give the server (FAL_API_URL, FAL_QUEUE_URL, FAL_STORAGE_URL). */
  apiUrl: string;
  queueUrl: string;
  storageUrl: string;
  origin: string;
  state: EmulatorState;
  faults: FaultBook;
  inject(route: RouteName, fault: Fault): void;
  /** fal's JWKS of webhook keys, as FAL_WEBHOOK_JWKS_URL. */
  jwksUrl: string;
  /** The environment that points a server at this emulator (FAL_API_URL, FAL_QUEUE_URL, FAL_STORAGE_URL). */
  serverEnv(): Record<string, string>;
  /** A webhook body signed the way fal signs it (tests forge and replay with it). */
  signWebhook(body: string, opts: { requestId: string; userId?: string; timestamp?: number }): SignedDelivery;
  close(): Promise<void>;
}

/**
 * A fal look-alike on one loopback port: Platform API under /v1, the queue under
 * /queue, storage under /storage-api, CDN files under /cdn. It records every call
 * with the key it carried and injects faults per route.
 */
export function createEmulatorApp(options: EmulatorOptions = {}) {
  const state = new EmulatorState(options);
  const faults = new FaultBook();
  let origin = 'http://127.0.0.1';
  const app = new Hono();
  app.route('/v1', platformRoutes(state, faults));
  app.route(
    '/v1',
    historyRoutes(state, faults, (job) => sizedResultOfJob(state, job, origin)),
  );
  app.route(
    '/queue',
    queueRoutes(state, faults, () => origin),
  );
  app.route(
    '/',
    storageRoutes(state, faults, () => origin),
  );
  // Control routes, so a server in another process (npm run demo) can be faulted too.
  app.post('/_emulator/faults/:route', async (c) => {
    faults.inject(c.req.param('route') as RouteName, (await c.req.json()) as Fault);
    return c.json({ ok: true });
  });
  app.delete('/_emulator/faults', (c) => {
    faults.clear();
    return c.json({ ok: true });
  });
  app.get('/.well-known/jwks.json', (c) => c.json(jwksOf(state)));
  app.get('/_emulator/calls', (c) =>
    c.json(faults.calls.map(({ key, ...rest }) => ({ ...rest, has_key: key !== null }))),
  );
  return { app, state, faults, setOrigin: (o: string) => (origin = o) };
}

export async function startEmulator(
  options: EmulatorOptions & { port?: number } = {},
): Promise<RunningEmulator> {
  const { app, state, faults, setOrigin } = createEmulatorApp(options);
  const server = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  setOrigin(origin);
  return {
    apiUrl: `${origin}/v1`,
    queueUrl: `${origin}/queue`,
    storageUrl: `${origin}/storage-api`,
    origin,
    state,
    faults,
    inject: (route, fault) => faults.inject(route, fault),
    jwksUrl: `${origin}/.well-known/jwks.json`,
    serverEnv: () => ({
      FAL_API_URL: `${origin}/v1`,
      FAL_QUEUE_URL: `${origin}/queue`,
      FAL_STORAGE_URL: `${origin}/storage-api`,
    }),
    signWebhook: (body, opts) => signDelivery(state, body, opts),
    close: () =>
      new Promise((resolve) => {
        for (const timer of state.timers) clearTimeout(timer);
        state.timers.clear();
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

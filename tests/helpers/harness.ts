import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { MetadataDocumentFetcher } from '../../src/auth/oauth/clients.js';
import { type Config, configSecrets, loadConfig } from '../../src/config.js';
import { type BuiltApp, createApp } from '../../src/http/app.js';
import { createLogger } from '../../src/log.js';
import { createStore } from '../../src/store/create-store.js';
import { startTracing } from '../../src/telemetry/tracing.js';
import { SERVER_VERSION } from '../../src/version.js';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';
import type { EmulatorOptions } from '../emulator/state.js';
import { receivedResults } from './clients.js';

export interface Harness extends BuiltApp {
  emulator: RunningEmulator;
  config: Config;
  /** Every log line the server wrote, as parsed JSON. */
  logRecords(): Record<string, unknown>[];
  /** Raw log text, for "no key appears anywhere" checks. */
  logText(): string;
  /** fetch that goes straight into the Hono app, no socket. */
  inProcessFetch: typeof fetch;
  /** Start listening on a real loopback socket; returns the /mcp URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    env?: Record<string, string> | ((emulator: RunningEmulator) => Record<string, string>);
    emulator?: EmulatorOptions;
    /** Serve through an emulator another harness also uses (two instances, one fal); not closed here. */
    sharedEmulator?: RunningEmulator;
    fetchClientMetadata?: MetadataDocumentFetcher;
    /**
     * Bind the loopback socket first and set PUBLIC_URL to it, so fal (the
     * emulator) can call the server back: webhooks.
     */
    publicUrl?: boolean;
    /** The clock the server's circuits cool down by and tasks are dated by (a manual one moves only when the test says). */
    now?: () => number;
  } = {},
): Promise<Harness> {
  const emulator = opts.sharedEmulator ?? (await startEmulator(opts.emulator));
  let handler: ((request: Request, env: unknown) => Response | Promise<Response>) | undefined;
  const bound = opts.publicUrl
    ? await bind((request, env) => handler?.(request, env) ?? new Response('starting', { status: 503 }))
    : undefined;
  const config = loadConfig({
    FAL_API_URL: emulator.apiUrl,
    FAL_QUEUE_URL: emulator.queueUrl,
    FAL_STORAGE_URL: emulator.storageUrl,
    LOG_LEVEL: 'debug',
    UPSTREAM_TIMEOUT_MS: '5000',
    ...(bound ? { PUBLIC_URL: bound.origin, FAL_WEBHOOK_JWKS_URL: emulator.jwksUrl } : {}),
    ...(typeof opts.env === 'function' ? opts.env(emulator) : opts.env),
  });
  const lines: string[] = [];
  const logger = createLogger(config.logLevel, (line) => lines.push(line), {}, configSecrets(config));
  const built = createApp({
    config,
    logger,
    store: await createStore(config, logger),
    tracing: await startTracing(config.tracing, SERVER_VERSION),
    ...(opts.fetchClientMetadata ? { fetchClientMetadata: opts.fetchClientMetadata } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  if (config.redis && !(await built.store.whenReady(5000))) throw new Error('the test Redis did not answer');
  handler = built.app.fetch;
  const servers: { close(cb: () => void): void; closeAllConnections?(): void }[] = bound
    ? [bound.server]
    : [];
  const inProcessFetch = ((input: RequestInfo | URL, init?: RequestInit) =>
    built.app.fetch(new Request(input, init))) as typeof fetch;

  return {
    ...built,
    emulator,
    config,
    logRecords: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    logText: () => lines.join('\n'),
    inProcessFetch,
    async listen() {
      if (bound) return `${bound.origin}/mcp`;
      const server = serve({ fetch: built.app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      servers.push(server as unknown as (typeof servers)[number]);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
    },
    async close() {
      // Suite-wide leak check: no key any upstream call carried (nor an operator secret)
      // may appear in this server's logs or in any tool result a test client received.
      const env = typeof opts.env === 'function' ? opts.env(emulator) : (opts.env ?? {});
      const secrets = new Set<string>(
        [
          ...emulator.faults.calls.map((c) => c.key),
          env.FAL_KEY,
          ...(env.MCP_AUTH_TOKENS ?? '').split(','),
        ].flatMap((k) => (k && k.trim().length >= 8 ? [k.trim()] : [])),
      );
      const logs = lines.join('\n');
      const results = receivedResults.join('\n');
      const leaks = [...secrets].filter((k) => logs.includes(k) || results.includes(k));
      for (const s of servers) {
        s.closeAllConnections?.();
        await new Promise<void>((r) => s.close(() => r()));
      }
      await built.close();
      if (!opts.sharedEmulator) await emulator.close();
      if (leaks.length > 0) throw new Error(`secret(s) leaked into logs or tool results: ${leaks.length}`);
    },
  };
}

type Served = { close(cb: () => void): void; closeAllConnections?(): void; address(): unknown };

async function bind(fetch: (request: Request, env: unknown) => Response | Promise<Response>) {
  const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }) as unknown as Served & {
    once(event: 'listening', cb: () => void): void;
  };
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** In-process base URL: any loopback URL works, app.fetch never opens a socket. */
export const IN_PROCESS_URL = 'http://127.0.0.1:8080/mcp';

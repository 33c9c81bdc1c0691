import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { ConfigError, configSecrets, loadConfig } from './config.js';
import type { BuiltApp } from './http/app.js';
import { bootFetch, type Fetch } from './http/boot.js';
import { isLoopbackHost } from './lib/loopback.js';
import { createLogger } from './log.js';
import { SERVER_VERSION } from './version.js';

async function start(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`fal-mcp-server: invalid configuration: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel, undefined, {}, configSecrets(config));
  let built: BuiltApp | undefined;
  let loaded: (app: Fetch) => void = () => undefined;
  const ready = new Promise<Fetch>((resolve) => {
    loaded = resolve;
  });

  const server = serve({
    fetch: bootFetch({ get: () => built?.app.fetch as Fetch | undefined, ready }),
    port: config.port,
    hostname: config.host,
    // Slow or idle clients cannot pin sockets: headers within 10 s, a whole request within 30 s
    // (HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS). Node checks those deadlines every
    // connectionsCheckingInterval (30 s by default, which made them fire at 30 s and 60 s);
    // checking every second keeps them to their word.
    serverOptions: {
      headersTimeout: config.headersTimeoutMs,
      requestTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 16 * 1024,
      keepAliveTimeout: 5_000,
    },
  }) as Server;
  await new Promise<void>((resolve) => {
    if (server.listening) return resolve();
    server.once('listening', () => resolve());
    // A taken port or a bad address is a one-line mistake to fix, not a stack trace.
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${config.host}:${config.port}`;
      const why =
        error.code === 'EADDRINUSE'
          ? `${where} is already in use (another server running?); stop it or set PORT to a free port`
          : error.code === 'EACCES'
            ? `not allowed to listen on ${where} (ports below 1024 need privileges); set PORT above 1023`
            : error.code === 'EADDRNOTAVAIL'
              ? `${config.host} is not an address of this machine; set HOST (127.0.0.1, or 0.0.0.0 for all)`
              : `cannot listen on ${where}: ${error.message}`;
      process.stderr.write(`fal-mcp-server: ${why}\n`);
      process.exit(1);
    });
  });

  const [{ createApp }, { createStore }, { startTracing }] = await Promise.all([
    import('./http/app.js'),
    import('./store/create-store.js'),
    import('./telemetry/tracing.js'),
  ]);
  const tracing = await startTracing(config.tracing, SERVER_VERSION);
  built = createApp({ config, logger, store: await createStore(config, logger), tracing });
  loaded(built.app.fetch as Fetch);
  const { services, startDraining, inFlight, close } = built;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  logger.info('listening', {
    url: `http://${host}:${port}/mcp`,
    version: SERVER_VERSION,
    auth: config.auth.kind,
  });

  const loopback = isLoopbackHost(config.host);
  if (!loopback && config.allowedHosts.length === 0) {
    logger.warn('listening beyond loopback without ALLOWED_HOSTS: Host headers are not checked', {
      host: config.host,
    });
  }
  if (config.auth.kind === 'open-shared-key') {
    logger.warn('INSECURE: FAL_KEY is shared with every caller without an access token');
  }
  if (config.redis) {
    // A new machine reads the catalogue other machines crawled, so give the store a moment first.
    const connected = await built.store.whenReady(3000);
    if (!connected) logger.warn('shared store not reachable at start; continuing, features fall back');
  }
  if (config.warmCatalogue) void services.registry.warm();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    logger.info('draining', { signal, inFlight: inFlight(), drainTimeoutMs: config.drainTimeoutMs });
    // /ready turns 503 and /mcp refuses new work; no new connections are accepted.
    startDraining();
    server.close();
    server.closeIdleConnections();
    const finish = (timedOut: boolean) => {
      logger.info('stopped', { drainMs: Date.now() - started, timedOut, abandoned: inFlight() });
      server.closeAllConnections();
      void close().finally(() => process.exit(0));
    };
    const poll = setInterval(() => {
      server.closeIdleConnections();
      if (inFlight() === 0) {
        clearInterval(poll);
        finish(false);
      }
    }, 50);
    setTimeout(() => finish(true), config.drainTimeoutMs).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void start();

import { serve } from '@hono/node-server';
import { ConfigError, loadConfig } from './config.js';
import { createApp } from './http/app.js';
import { createLogger } from './log.js';
import { SERVER_VERSION } from './version.js';

function start(): void {
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
  const logger = createLogger(config.logLevel);
  const { app, services, startDraining } = createApp({ config, logger });

  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(config.host);
  if (!loopback && config.allowedHosts.length === 0) {
    logger.warn('listening beyond loopback without ALLOWED_HOSTS: Host headers are not checked', {
      host: config.host,
    });
  }
  if (config.auth.kind === 'open-shared-key') {
    logger.warn('INSECURE: FAL_KEY is shared with every caller without an access token');
  }

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    logger.info('listening', {
      url: `http://${info.family === 'IPv6' ? `[${info.address}]` : info.address}:${info.port}/mcp`,
      version: SERVER_VERSION,
      auth: config.auth.kind,
    });
  });
  if (config.warmCatalogue) void services.registry.warm();

  const shutdown = (signal: string) => {
    logger.info('shutting down', { signal });
    startDraining();
    server.close(() => process.exit(0));
    // Do not hang forever on a client that keeps a stream open.
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

start();

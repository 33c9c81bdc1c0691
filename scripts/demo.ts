/**
 * `npm run demo`: the server plus the fal emulator in one process, so anyone can
 * try the server offline with no fal key. Any key works against the emulator.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { configSecrets, loadConfig } from '../src/config.js';
import { createApp } from '../src/http/app.js';
import { createLogger } from '../src/log.js';
import { startEmulator } from '../tests/emulator/app.js';

// DEMO_JOB_SECONDS makes every job take that long, so job handles, check_job and progress can be tried.
const jobMs = Number(process.env.DEMO_JOB_SECONDS ?? 0) * 1000;
const emulator = await startEmulator({
  port: Number(process.env.DEMO_FAL_PORT ?? 0),
  ...(jobMs > 0
    ? { timing: { queueMs: Math.round(jobMs / 4), runMs: Math.round((jobMs * 3) / 4), queuePosition: 3 } }
    : {}),
});
const config = loadConfig({
  ...process.env,
  FAL_API_URL: emulator.apiUrl,
  FAL_QUEUE_URL: emulator.queueUrl,
  FAL_STORAGE_URL: emulator.storageUrl,
  // The emulator's CDN is on loopback: let results and uploads chain into the next call, as on fal.
  FETCH_ALLOW_HOSTS: [process.env.FETCH_ALLOW_HOSTS, new URL(emulator.origin).host].filter(Boolean).join(','),
});
const logger = createLogger(config.logLevel, undefined, {}, configSecrets(config));
const { app, services } = createApp({ config, logger });
const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info: AddressInfo) => {
  const url = `http://${config.host}:${info.port}/mcp`;
  process.stdout.write(
    [
      '',
      `fal MCP server (demo) on ${url}`,
      `fal emulator on ${emulator.origin} (faults: POST ${emulator.origin}/_emulator/faults/<route>)`,
      '',
      'Try it:',
      `  claude mcp add --transport http fal-demo ${url} --header "X-Fal-Key: demo-id:demo-secret"`,
      `  curl -s ${url} -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \\`,
      `    -H 'mcp-protocol-version: 2025-11-25' -d '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`,
      '',
    ].join('\n'),
  );
});
void services.registry.warm();

const stop = () => {
  server.close();
  void emulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

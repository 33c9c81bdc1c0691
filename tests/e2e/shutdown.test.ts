import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';
import { CLIENTS } from '../helpers/clients.js';
import { spawnServer } from '../helpers/spawn-server.js';

describe('graceful shutdown', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
    emu.state.setTiming('fal-ai/flux/dev', { queueMs: 1_500, runMs: 1_500 });
  });
  afterAll(() => emu.close());

  // The 2025-era client gets its answer as a stream (SSE): it counts as in flight until the stream ends.
  it.each(['modern', 'legacy'] as const)(
    'on SIGTERM (%s client): a 3 s call in flight finishes, new connections are refused, exit 0',
    async (era) => {
      const server = await spawnServer(emu, { env: { DRAIN_TIMEOUT_MS: '10000' } });
      emu.faults.clear();
      try {
        const client = await CLIENTS[era]({
          url: server.url,
          headers: { 'X-Fal-Key': `drain-${era}:secret` },
        });
        const inFlight = client.callTool('run_model', {
          model: 'flux_dev',
          input: { prompt: 'finish me' },
          wait_seconds: 10,
        });
        // SIGTERM once the call is being waited on (fal's status stream is open).
        await expect
          .poll(() => emu.faults.callsTo('queue.stream').length, { timeout: 5_000 })
          .toBeGreaterThan(0);
        server.child.kill('SIGTERM');
        await expect.poll(() => server.lines.some((l) => l.msg === 'draining')).toBe(true);
        // New connections are refused while the old call drains.
        await expect(fetch(server.url.replace('/mcp', '/health'))).rejects.toThrow();

        const result = await Promise.race([
          inFlight,
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error('the call was cut off')), 8_000),
          ),
        ]);
        expect((result.structuredContent as { status: string }).status).toBe('COMPLETED');
        expect(await server.exited).toBe(0);
        const stopped = server.lines.find((l) => l.msg === 'stopped');
        expect(stopped).toMatchObject({ timedOut: false, abandoned: 0 });
        // The access log measured the whole call, not the start of its stream.
        const logged = server.lines.find(
          (l) => l.msg === 'http' && l.path === '/mcp' && Number(l.ms) >= 2_500,
        );
        expect(logged).toBeDefined();
        console.log(`shutdown (${era}): drained in ${stopped?.drainMs} ms`);
        await client.close().catch(() => undefined);
      } finally {
        server.kill();
      }
    },
    40_000,
  );
});

describe('start-up', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it('the first tools/list sent the moment /health answers succeeds (it waits for the app instead of 503)', async () => {
    const port = await freePort();
    const server = await spawnServer(emu, { waitForListening: false, env: { PORT: String(port) } });
    try {
      const base = `http://127.0.0.1:${port}`;
      // As a load balancer does: probe /health until it answers, then send traffic at once.
      await expect
        .poll(async () => (await fetch(`${base}/health`).catch(() => undefined))?.status, {
          timeout: 15_000,
          interval: 5,
        })
        .toBe(200);
      const list = await fetch(`${base}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      expect(list.status).toBe(200);
      expect(await list.text()).toContain('run_model');
    } finally {
      server.kill();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

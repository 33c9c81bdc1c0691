import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../emulator/app.js';
import { connectModern } from '../helpers/clients.js';

describe('graceful shutdown', () => {
  it('on SIGTERM: in-flight calls finish, new ones are refused, exit 0', async () => {
    const emu = await startEmulator();
    emu.state.setTiming('fal-ai/flux/dev', { queueMs: 1_500, runMs: 500 });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        PORT: '0',
        FAL_API_URL: emu.apiUrl,
        FAL_QUEUE_URL: emu.queueUrl,
        FAL_STORAGE_URL: emu.storageUrl,
        LOG_LEVEL: 'info',
        DRAIN_TIMEOUT_MS: '10000',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let buffer = '';
    child.stderr.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
    });
    try {
      await expect.poll(() => lines.find((l) => l.msg === 'listening'), { timeout: 15_000 }).toBeTruthy();
      const url = String(lines.find((l) => l.msg === 'listening')?.url);
      const client = await connectModern({ url, headers: { 'X-Fal-Key': 'drain-id:drain-secret' } });
      const inFlight = client.callTool('run_model', {
        model: 'flux_dev',
        input: { prompt: 'finish me' },
        wait_seconds: 10,
      });
      await new Promise((r) => setTimeout(r, 500));
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await expect.poll(() => lines.some((l) => l.msg === 'draining')).toBe(true);

      // New connections are refused while the old call drains.
      await expect(fetch(url.replace('/mcp', '/health'))).rejects.toThrow();

      const result = await inFlight;
      expect((result.structuredContent as { status: string }).status).toBe('COMPLETED');
      const [code] = await exited;
      expect(code).toBe(0);
      const stopped = lines.find((l) => l.msg === 'stopped');
      expect(stopped).toMatchObject({ timedOut: false, abandoned: 0 });
      console.log(`shutdown: drained in ${stopped?.drainMs} ms`);
      await client.close().catch(() => undefined);
    } finally {
      child.kill('SIGKILL');
      await emu.close();
    }
  }, 40_000);
});

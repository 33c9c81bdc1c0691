import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';

/** `npm start` as a newcomer meets it: a mistake at start is one line saying what to do. */
describe('start-up mistakes', () => {
  it('a taken port stops the start with one line, not a stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
        env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', WARM_CATALOGUE: 'false' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines.at(-1)).toBe(
        `fal-mcp-server: 127.0.0.1:${port} is already in use (another server running?); stop it or set PORT to a free port`,
      );
      expect(stderr).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  });
});

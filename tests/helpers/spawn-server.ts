import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { vi } from 'vitest';
import type { RunningEmulator } from '../emulator/app.js';

export interface SpawnedServer {
  child: ChildProcess;
  /** Every JSON log line the server wrote. */
  lines: Record<string, unknown>[];
  /** The /mcp URL from the "listening" line. */
  url: string;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Whether the process has exited (so far). */
  hasExited(): boolean;
  kill(): void;
}

/**
 * `src/main.ts` in its own process against an emulator, as `npm start` would run it; or, given
 * `entry`, a built server (`<project>/dist/main.js`).
 */
export async function spawnServer(
  emu: RunningEmulator,
  opts: {
    env?: Record<string, string>;
    nodeArgs?: string[];
    waitForListening?: boolean;
    entry?: string;
  } = {},
): Promise<SpawnedServer> {
  const entry = opts.entry ? [opts.entry] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry], {
    env: {
      ...process.env,
      PORT: '0',
      ...emu.serverEnv(),
      LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  let buffer = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const p of parts) {
      if (!p.trim()) continue;
      try {
        lines.push(JSON.parse(p) as Record<string, unknown>);
      } catch {
        lines.push({ raw: p });
      }
    }
  });
  let done = false;
  const exited = once(child, 'exit').then(([code]) => {
    done = true;
    return code as number | null;
  });
  const server: SpawnedServer = {
    child,
    lines,
    url: '',
    exited,
    hasExited: () => done,
    kill: () => child.kill('SIGKILL'),
  };
  if (opts.waitForListening !== false) {
    // vi.waitFor rather than expect.poll: it also works in a beforeAll.
    await vi.waitFor(
      () => {
        if (!lines.some((l) => l.msg === 'listening')) throw new Error('the server has not said "listening"');
      },
      { timeout: 15_000, interval: 20 },
    );
    server.url = String(lines.find((l) => l.msg === 'listening')?.url);
  }
  return server;
}

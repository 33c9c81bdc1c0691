import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'vitest';
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

/** `src/main.ts` in its own process against an emulator, as `npm start` would run it. */
export async function spawnServer(
  emu: RunningEmulator,
  opts: { env?: Record<string, string>; nodeArgs?: string[]; waitForListening?: boolean } = {},
): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', 'src/main.ts'], {
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
    await expect.poll(() => lines.find((l) => l.msg === 'listening'), { timeout: 15_000 }).toBeTruthy();
    server.url = String(lines.find((l) => l.msg === 'listening')?.url);
  }
  return server;
}

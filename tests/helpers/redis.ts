import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';

/** Debian's redis-server (scripts/install-system-deps.sh installs it; CI runs that first). */
export const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find(existsSync);

export function warnIfNoRedis(suite: string): void {
  if (!REDIS_SERVER) {
    console.warn(
      `[${suite}] Redis tests skipped: no redis-server found (run scripts/install-system-deps.sh, or apt-get install redis-server)`,
    );
  }
}

/** A real redis-server on a free loopback port, in memory only, that tests can stop and start again. */
export interface RunningRedis {
  url: string;
  port: number;
  /** Kill the server (as an outage would); the port stays ours to restart on. */
  stop(): Promise<void>;
  /** Start it again on the same port, empty. */
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Redis cannot choose its own TCP port (`--port 0` turns TCP off), so a free
 * port is picked here; if another process takes it before redis-server binds,
 * redis-server exits at once and the next free port is tried.
 */
export async function startRedis(): Promise<RunningRedis> {
  const redisServer = REDIS_SERVER;
  if (!redisServer) throw new Error('redis-server is not installed');
  let port = 0;
  let child: ChildProcess | undefined;

  /** Spawn on `port`; true once it answers, false if it exited first (the port was taken). */
  const launch = async (): Promise<boolean> => {
    const spawned = spawn(
      redisServer,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--loglevel',
        'warning',
      ],
      { stdio: 'ignore' },
    );
    child = spawned;
    let exited = false;
    spawned.once('exit', () => {
      exited = true;
    });
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !exited) {
      if (await ping(port)) return true;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (!exited) throw new Error(`redis-server did not answer on 127.0.0.1:${port}`);
    return false;
  };
  const start = async () => {
    if (!(await launch())) throw new Error(`redis-server could not bind 127.0.0.1:${port} again`);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    if (await launch()) break;
    if (attempt === 4) throw new Error('redis-server found no free port in 5 tries');
  }
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

/**
 * No container engine runs on the development machines (and podman cannot pull
 * node:22-slim without a registry), so this replays the Dockerfile instead:
 * each stage in its own temporary directory (WORKDIR /app → the stage dir),
 * COPY from the repository or an earlier stage, RUN with a Node 22 binary
 * first on PATH, then the runtime stage's CMD with its ENV, in a read-only
 * directory (as the non-root USER would see /app), its HEALTHCHECK, and SIGTERM.
 * Run: npm run docker:replay. Exits non-zero on any failure.
 */
import { execSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { realClients } from '../tests/helpers/real-clients.js';

const repo = process.cwd();
const root = mkdtempSync(join(tmpdir(), 'docker-replay-'));
const node22 = realClients().node22;
const PATH = `${dirname(node22)}:${process.env.PATH}`;
// This machine's npm cache, which the replay must leave as it found it (checked at the end).
const hostCache = join(execSync('npm config get cache').toString().trim(), '_cacache');
const hadHostCache = existsSync(hostCache);

interface Stage {
  name: string;
  dir: string;
  env: Record<string, string>;
  cmd?: string[];
  healthcheck?: string[];
  user?: string;
  exposed?: string;
}

const lines = readFileSync('Dockerfile', 'utf8')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

const stages: Stage[] = [];
const log = (msg: string) => process.stdout.write(`docker-replay: ${msg}\n`);
const inStage = (stage: Stage, path: string) => join(stage.dir, path.replace(/^\/app\/?/, ''));

for (const line of lines) {
  const [op] = line.split(/\s+/);
  const arg = line.slice((op ?? '').length).trim();
  const stage = stages.at(-1);
  switch (op) {
    case 'FROM': {
      const name = /AS\s+(\S+)/i.exec(arg)?.[1] ?? `stage${stages.length}`;
      const dir = join(root, name);
      mkdirSync(dir);
      stages.push({ name, dir, env: {} });
      log(
        `FROM ${arg} → ${dir} (Node ${execSync(`${node22} --version`).toString().trim()} stands in for the image's)`,
      );
      break;
    }
    case 'WORKDIR':
      if (arg !== '/app') throw new Error(`replay expects WORKDIR /app, got ${arg}`);
      break;
    case 'ENV':
      for (const m of arg.matchAll(/(\w+)=(\S+)/g)) if (stage && m[1] && m[2]) stage.env[m[1]] = m[2];
      break;
    case 'COPY': {
      if (!stage) throw new Error('COPY before FROM');
      const from = /--from=(\S+)/.exec(arg)?.[1];
      const parts = arg
        .replace(/--from=\S+/, '')
        .trim()
        .split(/\s+/);
      const dest = parts.pop() as string;
      for (const src of parts) {
        const source = from ? inStage(stages.find((s) => s.name === from) as Stage, src) : join(repo, src);
        const target = dest.endsWith('/')
          ? join(inStage(stage, dest), src.split('/').pop() as string)
          : inStage(stage, dest);
        cpSync(source, target, { recursive: true });
      }
      log(`COPY ${arg}`);
      break;
    }
    case 'RUN': {
      if (!stage) throw new Error('RUN before FROM');
      log(`RUN ${arg}`);
      // In an image, cleaning npm's cache only makes the layer smaller; here the cache is this
      // machine's own, which the replay must leave as it found it.
      const command = arg.replace(/npm cache clean --force/g, 'true');
      const run = spawnSync('sh', ['-c', command], {
        cwd: stage.dir,
        env: { ...process.env, ...stage.env, PATH },
        stdio: 'inherit',
      });
      if (run.status !== 0) throw new Error(`RUN failed (${run.status}): ${arg}`);
      break;
    }
    case 'USER':
      if (stage) stage.user = arg;
      break;
    case 'EXPOSE':
      if (stage) stage.exposed = arg;
      break;
    case 'HEALTHCHECK':
      if (stage) stage.healthcheck = JSON.parse(arg.slice(arg.indexOf('CMD') + 3).trim()) as string[];
      break;
    case 'CMD':
      if (stage) stage.cmd = JSON.parse(arg) as string[];
      break;
    default:
      throw new Error(`replay does not know ${op}`);
  }
}

const runtime = stages.at(-1) as Stage;
if (!runtime.cmd || !runtime.healthcheck) throw new Error('the last stage needs CMD and HEALTHCHECK');
if (runtime.user !== 'node') throw new Error('the runtime stage must run as the non-root user "node"');
if (runtime.exposed !== '8080' || runtime.env.PORT !== '8080' || runtime.env.HOST !== '0.0.0.0') {
  throw new Error('the image must set HOST=0.0.0.0, PORT=8080 and EXPOSE 8080');
}
for (const unwanted of ['src', 'tests', 'node_modules/typescript', 'node_modules/vitest']) {
  try {
    readFileSync(join(runtime.dir, unwanted, 'package.json'));
    throw new Error(`the runtime stage contains ${unwanted}`);
  } catch (error) {
    if ((error as Error).message.startsWith('the runtime')) throw error;
  }
}
// As USER node, /app is not writable: prove the server never needs to write there.
chmodSync(runtime.dir, 0o555);

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const env = {
  ...process.env,
  ...runtime.env,
  PORT: String(port),
  PATH,
  FAL_API_URL: 'http://127.0.0.1:9/v1',
  WARM_CATALOGUE: 'false',
};
const [cmd, ...args] = runtime.cmd;
log(`CMD ${JSON.stringify(runtime.cmd)} on port ${port}`);
const server = spawn(cmd === 'node' ? node22 : (cmd as string), args, {
  cwd: runtime.dir,
  env,
  stdio: ['ignore', 'ignore', 'inherit'],
});
let healthy = false;
for (let i = 0; i < 50 && !healthy; i++) {
  await new Promise((r) => setTimeout(r, 200));
  const [hc, ...hcArgs] = runtime.healthcheck;
  healthy = spawnSync(hc === 'node' ? node22 : (hc as string), hcArgs, { env, timeout: 3000 }).status === 0;
}
// The registry entry ships in the image: the server card answers from it.
const card = healthy
  ? await fetch(`http://127.0.0.1:${port}/.well-known/mcp/server-card.json`).then(
      async (r) => (r.ok ? ((await r.json()) as { name?: string }) : undefined),
      () => undefined,
    )
  : undefined;
const exit = new Promise<number | null>((resolve) => server.once('exit', resolve));
server.kill('SIGTERM');
const code = await exit;
chmodSync(runtime.dir, 0o755);
rmSync(root, { recursive: true, force: true });
if (!healthy) throw new Error('HEALTHCHECK never passed');
if (!card?.name)
  throw new Error('the image serves no server card (server.json missing from the runtime stage?)');
if (code !== 0) throw new Error(`the server exited ${code} on SIGTERM`);
if (hadHostCache && !existsSync(hostCache)) throw new Error("the replay emptied this machine's npm cache");
log(`HEALTHCHECK passed; server card ${card.name}; SIGTERM → exit 0. The Dockerfile replays cleanly.`);

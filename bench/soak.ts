/**
 * Soak: the server in its own process under N seconds of mixed load from
 * several tenants against the emulator. Reports the server's RSS at start and
 * end and the error count; exits non-zero on any error.
 * Run: npm run soak (SOAK_SECONDS, default 300; CI runs 10).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startEmulator } from '../tests/emulator/app.js';
import { CLIENTS, type TestClient } from '../tests/helpers/clients.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const TENANTS = 8;

const rssMb = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] ? Math.round(Number(m[1]) / 102.4) / 10 : Number.NaN;
};

const emu = await startEmulator();
emu.state.setTiming('*', { queueMs: 20, runMs: 30 });
// The built server (npm install builds it), as production runs it.
const child = spawn(process.execPath, ['dist/main.js'], {
  env: {
    ...process.env,
    PORT: '0',
    ...emu.serverEnv(),
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '0',
  },
  stdio: ['ignore', 'ignore', 'pipe'],
});
child.stderr.setEncoding('utf8');
let serverErrors = 0;
const url = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('server did not start')), 20_000);
  let pending = '';
  child.stderr.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const record = JSON.parse(line) as { msg: string; url?: string; level: string; status?: number };
      if (record.msg === 'listening' && record.url) {
        clearTimeout(timer);
        resolve(record.url);
      }
      if (record.level === 'error' || (record.msg === 'http' && Number(record.status) >= 500)) serverErrors++;
    }
  });
});
const pid = child.pid as number;

const clients: TestClient[] = [];
for (let i = 0; i < TENANTS; i++) {
  clients.push(
    await CLIENTS[i % 2 ? 'legacy' : 'modern']({
      url,
      headers: { 'X-Fal-Key': `soak-${i}-admin-id:soak-${i}-secret` },
    }),
  );
}
const CALLS: [string, Record<string, unknown>][] = [
  ['list_models', { category: 'video', limit: 10 }],
  ['search_models', { query: 'portrait photo', limit: 5 }],
  ['recommend_model', { task: 'upscale a photo', limit: 3 }],
  ['get_model_schema', { model: 'fal-ai/flux/dev' }],
  ['get_pricing', { models: ['flux_dev', 'kling'] }],
  ['get_usage', {}],
  ['run_model', { model: 'flux_schnell', input: { prompt: 'soak' } }],
  ['generate_image', { prompt: 'soak', aspect_ratio: '16:9' }],
];
// Warm up, then take the starting RSS.
for (const [tool, args] of CALLS) await clients[0]?.callTool(tool, args);
const rssStart = rssMb(pid);
let calls = 0;
let toolErrors = 0;
let thrown = 0;
const deadline = Date.now() + SECONDS * 1000;
await Promise.all(
  clients.map(async (client, i) => {
    let n = i;
    while (Date.now() < deadline) {
      const [tool, args] = CALLS[n++ % CALLS.length] as [string, Record<string, unknown>];
      try {
        const r = await client.callTool(tool, args);
        if (r.isError) toolErrors++;
      } catch {
        thrown++;
      }
      calls++;
    }
  }),
);
const rssEnd = rssMb(pid);
for (const c of clients) await c.close();
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await emu.close();

const errors = toolErrors + thrown + serverErrors;
console.log(
  `soak: ${SECONDS} s, ${TENANTS} tenants, ${calls} calls (${Math.round(calls / SECONDS)}/s); ` +
    `server RSS ${rssStart} MB → ${rssEnd} MB (${(((rssEnd - rssStart) / rssStart) * 100).toFixed(1)}%); ` +
    `errors: ${errors} (tool ${toolErrors}, transport ${thrown}, server ${serverErrors})`,
);
process.exit(errors === 0 ? 0 : 1);

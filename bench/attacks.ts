/**
 * Attacks on the process (issue 31), the built server under the image's heap
 * cap, against the emulator, median of 3; BASELINE_DIR=<checkout with dist/>
 * measures an older build the same way in the same run:
 * 1. RSS added (server and its decoder process) by four concurrent previews of
 *    a 100 MP progressive CMYK JPEG, from two keys;
 * 2. another tenant's get_pricing p95 (fal reached by host name, so every call
 *    resolves it) idle, and while those previews run;
 * 3. RSS added by 40 concurrent forged 16 MiB webhooks;
 * 4. bytes the CDN sent for 5 check_job calls on a job naming four 20 MB non-images.
 * Run: npm run bench:hardening (after hardening.ts) or tsx bench/attacks.ts after a build.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { type RunningEmulator, startEmulator } from '../tests/emulator/app.js';
import { registerCdnFile } from '../tests/emulator/media.js';
import { connectModern, type TestClient } from '../tests/helpers/clients.js';
import { median, percentile, startProcess } from './lib.js';

const RUNS = Number(process.env.RUNS ?? 3);

/**
 * The attack image: a real 10,000 × 10,000 progressive CMYK JPEG (~1.5 MB: flat colour compresses),
 * made once and kept in .cache/ (making it takes a minute and ~1 GB).
 */
async function hostileJpeg(): Promise<Buffer> {
  const path = '.cache/bench/cmyk-progressive-10000.jpg';
  if (!existsSync(path)) {
    mkdirSync('.cache/bench', { recursive: true });
    const made = await sharp({
      create: { width: 10_000, height: 10_000, channels: 3, background: '#3a6f9c' },
    })
      .toColourspace('cmyk')
      .jpeg({ progressive: true, quality: 90 })
      .toBuffer();
    writeFileSync(path, made);
  }
  return readFileSync(path);
}
const HOSTILE = await hostileJpeg();
const MB = 1024 * 1024;
const builds = [
  { name: 'this build', dir: '.' },
  ...(process.env.BASELINE_DIR ? [{ name: 'baseline', dir: process.env.BASELINE_DIR }] : []),
];

/** Resident MB of a process and its children (the decoder runs as one). */
function treeRssMb(pid: number): number {
  const rss = (p: string) =>
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
  let kb = 0;
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const ppid = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]?.split(' ')[1];
      if (p === String(pid) || ppid === String(pid)) kb += rss(p);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

async function peakDuring(pid: number, work: () => Promise<unknown>): Promise<number> {
  const base = treeRssMb(pid);
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, treeRssMb(pid));
  }, 10);
  await work();
  clearInterval(timer);
  return peak - base;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function server(build: { dir: string }, emu: RunningEmulator, extra: Record<string, string> = {}) {
  const port = await freePort();
  // fal by host name: every uncached call resolves "localhost" on libuv's pool, as production resolves fal's hosts.
  const byName = emu.origin.replace('127.0.0.1', 'localhost');
  const started = await startProcess(['--max-old-space-size=256', join(build.dir, 'dist/main.js')], {
    PORT: String(port),
    FAL_API_URL: `${byName}/v1`,
    FAL_QUEUE_URL: `${byName}/queue`,
    FAL_STORAGE_URL: `${byName}/storage-api`,
    FAL_WEBHOOK_JWKS_URL: emu.jwksUrl,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    FETCH_ALLOW_HOSTS: `127.0.0.1:${new URL(emu.origin).port},localhost:${new URL(emu.origin).port}`,
    LOG_LEVEL: 'info',
    RATE_LIMIT_PER_MINUTE: '0',
    WARM_CATALOGUE: 'true',
    ...extra,
  });
  return { ...started, pid: started.child.pid as number, base: `http://127.0.0.1:${port}` };
}

const hostileRun = (client: TestClient, tag: string) =>
  client.callTool('run_model', { model: 'fal-ai/flux/schnell', input: { prompt: tag }, wait_seconds: 30 });

async function pricingP95(url: string, calls: number, tag: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    // A new key each time: nothing is cached, every call goes to fal (and resolves its name).
    const client = await connectModern({ url, headers: { 'X-Fal-Key': `calm-${tag}-${i}-id:secret` } });
    const t = performance.now();
    await client.callTool('get_pricing', { models: ['fal-ai/flux/dev'] });
    times.push(performance.now() - t);
    await client.close();
  }
  return percentile(times, 0.95);
}

for (const build of builds) {
  const previewRss: number[] = [];
  const idleP95: number[] = [];
  const busyP95: number[] = [];
  const hookRss: number[] = [];
  const hookStatuses: string[] = [];
  const cdnBytes: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const emu = await startEmulator({ keepUploads: false });
    let served = 0;
    emu.state.setTiming('fal-ai/flux/schnell', {
      queueMs: 0,
      runMs: 10,
      // New names each time, so no cache spares a decode: two 100 MP progressive CMYK JPEGs per result.
      output: (cdn, id) => ({
        images: [1, 2].map(() => {
          const name = `registered-hostile-${++served}.jpg`;
          registerCdnFile(name, HOSTILE, 'image/jpeg');
          return { url: `${cdn}/${id}/${name}`, content_type: 'image/jpeg' };
        }),
      }),
    });
    // 1 and 2: hostile previews, and a bystander's pricing calls.
    let s = await server(build, emu);
    const attackers = await Promise.all(
      ['a', 'b'].map((k) =>
        connectModern({ url: s.url, headers: { 'X-Fal-Key': `attacker-${k}-id:secret` } }),
      ),
    );
    await pricingP95(s.url, 5, `warm${run}`);
    idleP95.push(await pricingP95(s.url, 20, `idle${run}`));
    let busy = 0;
    previewRss.push(
      await peakDuring(s.pid, async () => {
        // Four hostile previews at once (two per key), kept up until the bystander's calls are done.
        let attacking = true;
        const attack = Promise.all(
          attackers.flatMap((c, i) =>
            [0, 1].map(async (j) => {
              // At most one hostile result a second per loop: four previews in flight, not a load test.
              for (let n = 0; attacking || n === 0; n++) {
                await Promise.all([
                  hostileRun(c, `x${i}-${j}-${n}`),
                  new Promise((r) => setTimeout(r, 1000)),
                ]);
              }
            }),
          ),
        );
        await new Promise((r) => setTimeout(r, 300));
        busy = await pricingP95(s.url, 20, `busy${run}`);
        attacking = false;
        await attack;
      }),
    );
    busyP95.push(busy);
    await Promise.all(attackers.map((c) => c.close()));
    s.child.kill('SIGKILL');

    // 3: 40 forged 16 MiB webhooks at once, to a token never issued (or, on older builds, the one URL).
    s = await server(build, emu);
    const body = Buffer.alloc(16 * MB, 0x20);
    const headers = {
      'content-type': 'application/json',
      'x-fal-webhook-request-id': 'req-forged',
      'x-fal-webhook-user-id': 'u',
      'x-fal-webhook-timestamp': String(Math.floor(Date.now() / 1000)),
      'x-fal-webhook-signature': 'ab'.repeat(64),
    };
    const hookUrl =
      build.name === 'baseline' ? `${s.base}/webhooks/fal` : `${s.base}/webhooks/fal/${'f'.repeat(32)}`;
    const statuses: number[] = [];
    hookRss.push(
      await peakDuring(s.pid, () =>
        Promise.all(
          Array.from({ length: 40 }, () =>
            fetch(hookUrl, { method: 'POST', headers, body }).then(
              (r) => statuses.push(r.status),
              () => statuses.push(0),
            ),
          ),
        ),
      ),
    );
    hookStatuses.push([...new Set(statuses)].sort().join('/'));
    s.child.kill('SIGKILL');

    // 4: a job naming four 20 MB non-images, checked five times.
    emu.state.setTiming('fal-ai/flux/schnell', {
      queueMs: 0,
      runMs: 10,
      output: (cdn, id) => ({
        images: [1, 2, 3, 4].map((n) => ({ url: `${cdn}/${id}/junk-${n}.png`, content_type: 'image/png' })),
      }),
    });
    s = await server(build, emu);
    const reflector = await connectModern({ url: s.url, headers: { 'X-Fal-Key': 'reflect-id:secret' } });
    const before = emu.state.cdnBytesSent;
    const first = await hostileRun(reflector, 'junk');
    const requestId = (first.structuredContent as { request_id: string }).request_id;
    for (let i = 0; i < 4; i++) await reflector.callTool('check_job', { request_id: requestId });
    cdnBytes.push((emu.state.cdnBytesSent - before) / MB);
    await reflector.close();
    s.child.kill('SIGKILL');
    await emu.close();
  }
  const f = (xs: number[]) => `${median(xs).toFixed(1)} (runs ${xs.map((x) => x.toFixed(1)).join(', ')})`;
  console.log(
    `${build.name}: RSS added by 4 concurrent hostile previews (server + decoder): +${f(previewRss)} MB`,
  );
  console.log(
    `${build.name}: another tenant's get_pricing p95: idle ${f(idleP95)} ms, during the previews ${f(busyP95)} ms (ratio ${(median(busyP95) / median(idleP95)).toFixed(1)}×)`,
  );
  console.log(
    `${build.name}: RSS added by 40 concurrent forged 16 MiB webhooks: +${f(hookRss)} MB (answers ${hookStatuses.join(', ')})`,
  );
  console.log(
    `${build.name}: CDN bytes sent for 5 check_job calls on four 20 MB non-images: ${f(cdnBytes)} MB`,
  );
}
process.exit(0);

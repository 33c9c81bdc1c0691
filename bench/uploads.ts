/**
 * Uploads of a 200 MiB URL source (issue 25), the built server in its own
 * process under the image's heap cap, UPLOAD_MAX_BYTES raised to 256 MiB:
 * peak RSS added (median of 3), what went on the wire (Content-Length or
 * chunked, parts), and the outcome, for a source that declares its length and
 * one that does not. BASELINE_DIR=<checkout with dist/> measures an older build
 * in the same run; since older builds send chunked PUTs, which fal's storage
 * refuses (411), the emulator takes them for that build only, so memory is
 * compared like for like. Run: npm run bench:uploads.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startEmulator } from '../tests/emulator/app.js';
import { connectModern } from '../tests/helpers/clients.js';
import { median, rssMb, startProcess } from './lib.js';

const MiB = 1024 * 1024;
const SIZE = 200 * MiB;
const RUNS = Number(process.env.RUNS ?? 3);
const builds = [
  { name: 'this build', dir: '.' },
  ...(process.env.BASELINE_DIR ? [{ name: 'baseline', dir: process.env.BASELINE_DIR }] : []),
];

const source = createServer((req, res) => {
  const chunked = new URL(req.url ?? '/', 'http://x').searchParams.has('chunked');
  res.writeHead(200, { 'content-type': 'video/mp4', ...(chunked ? {} : { 'content-length': String(SIZE) }) });
  const chunk = Buffer.alloc(64 * 1024, 7);
  let sent = 0;
  const pump = () => {
    while (sent < SIZE) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
});
await new Promise<void>((r) => source.listen(0, '127.0.0.1', () => r()));
const port = (source.address() as AddressInfo).port;

for (const build of builds) {
  const emu = await startEmulator({ keepUploads: false, acceptChunkedUploads: build.name === 'baseline' });
  for (const mode of ['declared', 'chunked'] as const) {
    const added: number[] = [];
    let outcome = '';
    let wire = '';
    for (let run = 0; run < RUNS; run++) {
      const { child, url } = await startProcess(
        ['--max-old-space-size=256', join(build.dir, 'dist/main.js')],
        {
          PORT: '0',
          ...emu.serverEnv(),
          LOG_LEVEL: 'info',
          RATE_LIMIT_PER_MINUTE: '0',
          FETCH_ALLOW_HOSTS: `127.0.0.1:${port}`,
          UPLOAD_MAX_BYTES: String(256 * MiB),
        },
      );
      const pid = child.pid as number;
      const client = await connectModern({ url, headers: { 'X-Fal-Key': `bench-${run}-id:secret` } });
      await client.callTool('upload_file', { data_base64: 'AAAA', content_type: 'video/mp4' });
      await new Promise((r) => setTimeout(r, 500));
      const base = rssMb(pid);
      let peak = base;
      const timer = setInterval(() => {
        peak = Math.max(peak, rssMb(pid));
      }, 10);
      emu.state.uploadHeaders.length = 0;
      emu.faults.clear();
      const r = await client.callTool('upload_file', {
        url: `http://127.0.0.1:${port}/big.mp4${mode === 'chunked' ? '?chunked' : ''}`,
      });
      clearInterval(timer);
      added.push(peak - base);
      outcome = r.isError ? `refused: ${(r.content[0] as { text: string }).text.slice(0, 80)}` : 'uploaded';
      const lengths = emu.state.uploadHeaders.map((h) => h['content-length'] ?? 'chunked');
      const parts = emu.faults.callsTo('storage.part').length;
      wire = parts
        ? `${parts} parts (${lengths[0]} … ${lengths.at(-1)} bytes), ${parts - lengths.length} retried`
        : `one PUT, content-length: ${lengths[0] ?? 'none'}`;
      await client.close();
      child.kill('SIGKILL');
    }
    console.log(
      `${build.name}, ${mode} 200 MiB source: peak RSS +${median(added).toFixed(1)} MB (median of ${RUNS}; runs ${added.map((x) => x.toFixed(1)).join(', ')}); ${wire}; ${outcome}`,
    );
  }
  await emu.close();
}
source.close();
process.exit(0);

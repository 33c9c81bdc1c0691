import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectModern, type TestClient } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { structuredOf } from '../helpers/structured.js';

const images = (r: { content: unknown }) =>
  (r.content as { type: string }[]).filter((c) => c.type === 'image');
const output = (names: string[]) => (cdn: string, requestId: string) => ({
  images: names.map((name) => ({ url: `${cdn}/${requestId}/${name}`, content_type: 'image/png' })),
});
const MB = 1024 * 1024;

/** A result any tenant can make name hostile images (their own fal app, a model echoing a URL). */
describe('previews no result can turn against the process', () => {
  let h: Harness;
  let client: TestClient;
  beforeAll(async () => {
    h = await startHarness({ env: (emu) => ({ FETCH_ALLOW_HOSTS: new URL(emu.origin).host }) });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'hostile-id:hostile-secret' },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });
  beforeEach(() => h.emulator.faults.clear());

  const run = async (names: string[]) => {
    h.emulator.state.setTiming('fal-ai/flux/schnell', { queueMs: 0, runMs: 10, output: output(names) });
    return client.callTool('run_model', { model: 'fal-ai/flux/schnell', input: { prompt: 'x' } });
  };

  it('a 10,000 × 10,000 progressive CMYK JPEG is refused by its header, before any decoding', async () => {
    const r = await run(['hostile-cmyk.jpg', 'fine.png']);
    expect(images(r)).toHaveLength(1);
    expect(structuredOf('run_model', r).notes).toContain(
      'No preview of images[0]: it is a JPEG that must be decoded whole of 10000×10000 (100.0 MP); previews decode at most 6.0 MP.',
    );
  });

  it('a JPEG too costly to decode that carries an EXIF thumbnail is previewed from the thumbnail', async () => {
    const r = await run(['thumbnailed-cmyk.jpg']);
    const shown = images(r) as { data?: string }[];
    expect(shown).toHaveLength(1);
    expect(structuredOf('run_model', r).notes).toEqual([]);
    const meta = await sharp(Buffer.from(shown[0]?.data ?? '', 'base64')).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 160, height: 120 });
  });

  it('a small progressive CMYK JPEG still gets its preview (decoded whole, within the cap)', async () => {
    const r = await run(['progressive-cmyk.jpg']);
    expect(images(r)).toHaveLength(1);
    expect(structuredOf('run_model', r).notes).toEqual([]);
  });

  it('four 20 MB non-images, checked five times: each read stops at its first bytes, and is not fetched again', async () => {
    const before = h.emulator.state.cdnBytesSent;
    const readBefore = h.services.previews.downloadedBytes;
    const names = ['junk-1.png', 'junk-2.png', 'junk-3.png', 'junk-4.png'];
    const first = await run(names);
    const requestId = structuredOf('run_model', first).request_id;
    for (let i = 0; i < 4; i++) {
      const again = await client.callTool('check_job', { request_id: requestId });
      expect(structuredOf('check_job', again).notes).toContain(
        'No preview of images[3]: it is not a PNG, JPEG, WebP, GIF or AVIF image.',
      );
    }
    // One request per file, once: the failures are remembered by URL.
    expect(h.emulator.faults.callsTo('cdn')).toHaveLength(4);
    // Before: 5 × 4 × 20 MB = 400 MB read. Now each read ends at its first chunk (at most 64 KiB).
    expect(h.services.previews.downloadedBytes - readBefore).toBeLessThanOrEqual(4 * 64 * 1024);
    // What the CDN pushed is that, plus what loopback socket buffers took before the server hung up.
    expect(h.emulator.state.cdnBytesSent - before).toBeLessThan(3 * 20 * MB);
  });

  it('the decoder runs in its own process, under an address-space limit', async () => {
    await run(['limit-check.png']);
    const decoder = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .find((pid) => {
        try {
          return readFileSync(join('/proc', pid, 'cmdline'), 'utf8').includes('decode-worker');
        } catch {
          return false;
        }
      });
    expect(decoder).toBeDefined();
    const limits = readFileSync(join('/proc', decoder ?? '', 'limits'), 'utf8');
    const line = limits.split('\n').find((l) => l.startsWith('Max address space')) ?? '';
    expect(line).toMatch(/Max address space\s+1073741824\s+1073741824\s+bytes/);
  });
});

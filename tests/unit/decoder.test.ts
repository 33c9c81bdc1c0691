import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { ImageDecoder } from '../../src/media/decoder.js';
import { readImageHeader } from '../../src/media/image-header.js';

const logger = createLogger('silent');
const step = { side: 512, quality: 75 };
const png = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: '#3a6' } })
    .png()
    .toBuffer();

describe('the image decoder process', () => {
  let decoder: ImageDecoder;
  afterEach(() => decoder.close());

  it('shrinks an image to a WebP preview and reports its size', async () => {
    decoder = new ImageDecoder({ logger });
    const out = await decoder.decode(await png(1024, 768), step, 40e6, new AbortController().signal);
    expect(out).toMatchObject({ width: 512, height: 384 });
    expect(readImageHeader(out.data)).toMatchObject({
      kind: 'image',
      header: { format: 'webp', width: 512 },
    });
  });

  it('stops a decode in progress at the deadline by ending the process, and starts again next time', async () => {
    decoder = new ImageDecoder({ logger });
    const big = await png(6000, 6000);
    const slow = decoder.decode(big, step, 40e6, AbortSignal.timeout(30));
    await expect(slow).rejects.toThrow(/stopped at the deadline/);
    const next = await decoder.decode(await png(64, 48), step, 40e6, new AbortController().signal);
    expect(next.width).toBe(64);
  });

  it("a 100 MP progressive CMYK JPEG that got past every check fails inside the decoder's address space", async () => {
    // A real progressive CMYK JPEG whose frame header says 10,000 × 10,000: libjpeg reserves every coefficient
    // (~0.8 GB; measured in one process: +803 MB RSS). The watchdog is set out of the way: the limit alone stops it.
    const small = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#a33' } })
      .toColourspace('cmyk')
      .jpeg({ progressive: true })
      .toBuffer();
    const sof = small.indexOf(Buffer.from([0xff, 0xc2]));
    small.writeUInt16BE(10_000, sof + 5);
    small.writeUInt16BE(10_000, sof + 7);
    decoder = new ImageDecoder({ logger, maxRssBytes: 8 * 1024 * 1024 * 1024 });
    const before = process.memoryUsage().rss;
    await expect(decoder.decode(small, step, 200e6, new AbortController().signal)).rejects.toThrow(
      /needed more memory than previews may use/,
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('a decoder process that died while idle is replaced on the next decode', async () => {
    decoder = new ImageDecoder({ logger });
    const signal = new AbortController().signal;
    await decoder.decode(await png(64, 48), step, 40e6, signal);
    const first = await decoder.pid();
    process.kill(first ?? 0, 'SIGKILL');
    // Once the decoder has noticed the exit, it holds no process.
    await expect.poll(() => decoder.pid()).toBeUndefined();
    expect((await decoder.decode(await png(64, 48), step, 40e6, signal)).width).toBe(64);
    expect(await decoder.pid()).not.toBe(first);
  });

  it('stops a decode whose resident memory passes the bound', async () => {
    decoder = new ImageDecoder({ logger, maxRssBytes: 16 * 1024 * 1024 });
    await expect(
      decoder.decode(await png(4000, 4000), step, 40e6, new AbortController().signal),
    ).rejects.toThrow(/needed more memory than previews may use/);
  });

  it('decodes one image at a time, and says it is busy past the few that may wait', async () => {
    decoder = new ImageDecoder({ logger, maxWaiting: 1 });
    const image = await png(3000, 3000);
    const signal = new AbortController().signal;
    const all = await Promise.allSettled([0, 1, 2].map(() => decoder.decode(image, step, 40e6, signal)));
    expect(all.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect(String((all[2] as PromiseRejectedResult).reason)).toMatch(/busy making other previews/);
  });
});

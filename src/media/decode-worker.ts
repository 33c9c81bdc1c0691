/**
 * The image decoder's own process (started by media/decoder.ts): libvips runs
 * here, on this process's threads and under this process's address-space
 * limit, never on the server's libuv pool (shared with DNS lookups) or heap.
 * One request at a time: the parent sends one and waits for its answer.
 */
import sharp from 'sharp';

export interface DecodeRequest {
  id: number;
  bytes: Uint8Array;
  side: number;
  quality: number;
  maxPixels: number;
}

export type DecodeAnswer =
  | { id: number; ok: true; data: Uint8Array; width: number; height: number }
  | { id: number; ok: false; error: string };

// One libvips thread, no operation cache: memory is one image's worth, and nothing of it stays.
sharp.concurrency(1);
sharp.cache(false);

process.on('message', (message: DecodeRequest) => {
  void decode(message).then((answer) => process.send?.(answer));
});
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true });

async function decode(req: DecodeRequest): Promise<DecodeAnswer> {
  try {
    const { data, info } = await sharp(Buffer.from(req.bytes), {
      limitInputPixels: req.maxPixels,
      failOn: 'error',
      sequentialRead: true,
    })
      .rotate()
      .resize({ width: req.side, height: req.side, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: req.quality })
      .toBuffer({ resolveWithObject: true });
    return { id: req.id, ok: true, data, width: info.width, height: info.height };
  } catch (error) {
    return { id: req.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

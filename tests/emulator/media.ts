import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';

/**
 * Real files for the emulator's CDN, so what fetches generated media (previews,
 * players) handles what fal would send. Images are grainy gradients of the frame
 * the request asked for (1024×768 when nothing says; 64×48 for names starting
 * `small-`) whose colours follow the file name; a few names are hostile on purpose.
 */
const made = new Map<string, Promise<{ bytes: Buffer; type: string }>>();
const registered = new Map<string, { bytes: Buffer; type: string }>();
/** The largest side the CDN draws: fal's models stop well short of it, and a test's typo must not cost gigabytes. */
const MAX_SIDE = 4096;

const TYPES: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  mp4: 'video/mp4',
  mp3: 'audio/mpeg',
  glb: 'model/gltf-binary',
};

/** Serve these bytes under this name from now on (benchmarks bring files too costly to make per request). */
export function registerCdnFile(name: string, bytes: Buffer, type: string): void {
  registered.set(name, { bytes, type });
}

/** The file served under this name, drawn at `frame` (width, height) when it is an ordinary image. */
export function cdnFile(name: string, frame?: [number, number]): Promise<{ bytes: Buffer; type: string }> {
  const own = registered.get(name);
  if (own) return Promise.resolve(own);
  const side = (n: number) => Math.min(MAX_SIDE, Math.max(16, Math.round(n)));
  const [width, height] = frame ? [side(frame[0]), side(frame[1])] : [1024, 768];
  const key = `${name}@${width}x${height}`;
  let file = made.get(key);
  if (!file) {
    file = make(name, width, height);
    made.set(key, file);
    // Oldest first: a long run keeps at most 256 made files.
    if (made.size > 256) made.delete(made.keys().next().value as string);
  }
  return file;
}

async function make(
  name: string,
  frameWidth: number,
  frameHeight: number,
): Promise<{ bytes: Buffer; type: string }> {
  const ext = name.split('.').pop()?.toLowerCase() ?? '';
  // An SVG dressed as a PNG: must never reach an SVG renderer.
  if (name.includes('disguised-svg')) {
    return {
      bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
      type: 'image/png',
    };
  }
  // A valid PNG header claiming 30,000 × 30,000 pixels: a decompression bomb for the decoder.
  if (name.includes('pixel-bomb')) return { bytes: bombPng(30_000, 30_000), type: 'image/png' };
  // A progressive CMYK JPEG header of 10,000 × 10,000 (libjpeg would hold every coefficient: ~0.8 GB).
  if (name.includes('hostile-cmyk'))
    return { bytes: hostileJpeg(10_000, 10_000, 1_500_000), type: 'image/jpeg' };
  // The same hostile frame, behind an EXIF block that carries a real 160 × 120 thumbnail (as cameras write).
  if (name.includes('thumbnailed')) {
    const thumb = await sharp(gradient(name, 160, 120), { raw: { width: 160, height: 120, channels: 3 } })
      .jpeg()
      .toBuffer();
    const hostile = hostileJpeg(10_000, 10_000, 1_500_000);
    return {
      bytes: Buffer.concat([hostile.subarray(0, 2), exifWith(thumb), hostile.subarray(2)]),
      type: 'image/jpeg',
    };
  }
  // 20 MB that are no image at all, served as one (a reflector for preview downloads).
  if (name.startsWith('junk-')) return { bytes: Buffer.alloc(20 * 1024 * 1024, 0x41), type: 'image/png' };
  // A real progressive CMYK JPEG, small enough to be decoded whole.
  if (name.startsWith('progressive-')) {
    const bytes = await sharp(gradient(name, 640, 480), { raw: { width: 640, height: 480, channels: 3 } })
      .toColourspace('cmyk')
      .jpeg({ progressive: true })
      .toBuffer();
    return { bytes, type: 'image/jpeg' };
  }
  const type = TYPES[ext] ?? 'application/octet-stream';
  // Real, playable media: 2 s clips made once with ffmpeg (see data/media/README.md).
  if (ext === 'mp4' || ext === 'mp3') {
    return { bytes: readFileSync(new URL(`./data/media/sample.${ext}`, import.meta.url)), type };
  }
  if (!type.startsWith('image/')) return { bytes: Buffer.from(`emulated ${name}\n`), type };
  // "small-…" names are 64×48, for tests with a low size limit.
  const [width, height] = name.startsWith('small-') ? [64, 48] : [frameWidth, frameHeight];
  const image = sharp(gradient(name, width, height), { raw: { width, height, channels: 3 } });
  const bytes = await (ext === 'png' ? image.png() : ext === 'webp' ? image.webp() : image.jpeg()).toBuffer();
  return { bytes, type };
}

function gradient(name: string, width: number, height: number): Buffer {
  const [r, g, b] = createHash('sha256').update(name).digest();
  const pixels = Buffer.alloc(width * height * 3);
  // Grain, so the files compress like photographs rather than like flat colour.
  let seed = ((r ?? 1) << 16) | ((g ?? 1) << 8) | (b ?? 1);
  const grain = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >> 16) & 31;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      pixels[i] = ((r ?? 0) + (x >> 2) + grain()) & 255;
      pixels[i + 1] = ((g ?? 0) + (y >> 2) + grain()) & 255;
      pixels[i + 2] = ((b ?? 0) + ((x + y) >> 3) + grain()) & 255;
    }
  }
  return pixels;
}

function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** SOI, then a progressive (SOF2) frame header with 4 components, then filler to `size` bytes. */
function hostileJpeg(width: number, height: number, size: number): Buffer {
  const sof = Buffer.from([
    0xff, 0xc2, 0x00, 0x14, 8, 0, 0, 0, 0, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0,
  ]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  const out = Buffer.alloc(size, 0);
  Buffer.from([0xff, 0xd8]).copy(out, 0);
  sof.copy(out, 2);
  return out;
}

/** An APP1 Exif segment (little-endian TIFF, empty IFD0) whose IFD1 points at `thumb`. */
function exifWith(thumb: Buffer): Buffer {
  const ifd1 = Buffer.alloc(30);
  ifd1.writeUInt16LE(2, 0);
  for (const [i, [tag, value]] of [
    [0x0201, 44],
    [0x0202, thumb.length],
  ].entries()) {
    ifd1.writeUInt16LE(tag as number, 2 + i * 12);
    ifd1.writeUInt16LE(4, 4 + i * 12);
    ifd1.writeUInt32LE(1, 6 + i * 12);
    ifd1.writeUInt32LE(value as number, 10 + i * 12);
  }
  const tiff = Buffer.concat([
    Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]),
    Buffer.from([0, 0, 14, 0, 0, 0]),
    ifd1,
    thumb,
  ]);
  const head = Buffer.from([0xff, 0xe1, 0, 0]);
  head.writeUInt16BE(2 + 6 + tiff.length, 2);
  return Buffer.concat([head, Buffer.from('Exif\0\0', 'latin1'), tiff]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

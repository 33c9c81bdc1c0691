/**
 * What an image costs to decode, read from its first bytes before any decoder
 * sees it: format, size, and the traits that make a decoder hold the whole
 * image (a progressive or CMYK JPEG keeps every DCT coefficient; an interlaced
 * or 16-bit PNG, an AVIF, a GIF frame are decoded whole).
 */
export interface ImageHeader {
  format: 'png' | 'jpeg' | 'gif' | 'webp' | 'avif';
  width: number;
  height: number;
  /**
   * How the decoder holds it: `scaled`, decoded straight to 1/8 size (sequential
   * JPEG, lossy WebP); `rows`, streamed row by row at full width (plain PNG);
   * `whole`, the full image (or more) at once.
   */
  decode: 'scaled' | 'rows' | 'whole';
}

export type HeaderVerdict =
  | { kind: 'image'; header: ImageHeader }
  | { kind: 'need_more' }
  | { kind: 'refused'; why: string };

/** Bytes searched for a JPEG's frame header (past EXIF, ICC and other APPn segments) before giving up. */
export const MAX_HEADER_BYTES = 256 * 1024;

const NOT_AN_IMAGE = 'it is not a PNG, JPEG, WebP, GIF or AVIF image';

/** Read the header from what has arrived so far; `need_more` until it can be decided. */
export function readImageHeader(b: Buffer): HeaderVerdict {
  if (b.length < 12) return { kind: 'need_more' };
  if (b.readUInt32BE(0) === 0x89504e47) return png(b);
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpeg(b);
  if (b.toString('latin1', 0, 4) === 'GIF8') return gif(b);
  if (b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return webp(b);
  if (b.toString('latin1', 4, 8) === 'ftyp' && /avi[fs]/.test(b.toString('latin1', 8, 12))) return avif(b);
  return { kind: 'refused', why: NOT_AN_IMAGE };
}

const image = (
  format: ImageHeader['format'],
  width: number,
  height: number,
  decode: ImageHeader['decode'],
): HeaderVerdict =>
  width > 0 && height > 0
    ? { kind: 'image', header: { format, width, height, decode } }
    : { kind: 'refused', why: `its ${format.toUpperCase()} header gives no size` };

function png(b: Buffer): HeaderVerdict {
  if (b.length < 29) return { kind: 'need_more' };
  if (b.toString('latin1', 12, 16) !== 'IHDR') return { kind: 'refused', why: 'its PNG header is malformed' };
  const bitDepth = b[24] ?? 0;
  const interlaced = b[28] === 1;
  return image('png', b.readUInt32BE(16), b.readUInt32BE(20), interlaced || bitDepth > 8 ? 'whole' : 'rows');
}

function gif(b: Buffer): HeaderVerdict {
  return image('gif', b.readUInt16LE(6), b.readUInt16LE(8), 'whole');
}

function webp(b: Buffer): HeaderVerdict {
  if (b.length < 30) return { kind: 'need_more' };
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X') return image('webp', b.readUIntLE(24, 3) + 1, b.readUIntLE(27, 3) + 1, 'whole');
  if (chunk === 'VP8 ')
    return image('webp', b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff, 'scaled');
  if (chunk === 'VP8L') {
    const bits = b.readUInt32LE(21);
    return image('webp', (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1, 'whole');
  }
  return { kind: 'refused', why: 'its WebP header is malformed' };
}

/** AVIF: the `ispe` property (image spatial extent) of the primary item. */
function avif(b: Buffer): HeaderVerdict {
  const at = b.indexOf('ispe', 0, 'latin1');
  if (at < 0 || b.length < at + 16) {
    return b.length >= MAX_HEADER_BYTES
      ? { kind: 'refused', why: 'its AVIF size could not be read' }
      : { kind: 'need_more' };
  }
  return image('avif', b.readUInt32BE(at + 8), b.readUInt32BE(at + 12), 'whole');
}

/** JPEG: walk the segments to the first start-of-frame marker. */
function jpeg(b: Buffer): HeaderVerdict {
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return { kind: 'refused', why: 'its JPEG segments are malformed' };
    const marker = b[at + 1] ?? 0;
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = b.readUInt16BE(at + 2);
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 10 > b.length) return { kind: 'need_more' };
      const height = b.readUInt16BE(at + 5);
      const width = b.readUInt16BE(at + 7);
      const components = b[at + 9] ?? 0;
      // Only baseline and extended sequential (C0, C1) with 1 or 3 components decode in scaled-down strips.
      const sequential = marker === 0xc0 || marker === 0xc1;
      return image('jpeg', width, height, sequential && components <= 3 ? 'scaled' : 'whole');
    }
    if (length < 2) return { kind: 'refused', why: 'its JPEG segments are malformed' };
    at += 2 + length;
    if (at > MAX_HEADER_BYTES) return { kind: 'refused', why: 'its JPEG frame header is too far in' };
  }
  return { kind: 'need_more' };
}

/** Pixels a preview may decode, by how the decoder holds the image. */
export interface DecodeCaps {
  maxPixels: number;
  maxRowPixels: number;
  maxWholePixels: number;
}

/**
 * Whether a preview of this image may be decoded, and if not why. The caps are
 * what a 512 px preview needs and the decoder process's memory allows.
 */
export function decodeRefusal(header: ImageHeader, caps: DecodeCaps): string | undefined {
  const pixels = header.width * header.height;
  const mp = (n: number) => `${(n / 1e6).toFixed(1)} MP`;
  const cap = { scaled: caps.maxPixels, rows: caps.maxRowPixels, whole: caps.maxWholePixels }[header.decode];
  if (pixels <= cap) return undefined;
  const kind =
    header.decode === 'whole' ? `a ${header.format.toUpperCase()} that must be decoded whole` : 'an image';
  return `it is ${kind} of ${header.width}×${header.height} (${mp(pixels)}); previews decode at most ${mp(cap)}`;
}

/**
 * The thumbnail a JPEG's EXIF block carries (APP1 `Exif`, IFD1's
 * JPEGInterchangeFormat and its length), if the bytes at hand hold it: a
 * small JPEG to preview when the image itself is too costly to decode.
 */
export function exifThumbnail(b: Buffer): Buffer | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= b.length && b[at] === 0xff) {
    const marker = b[at + 1] ?? 0;
    const length = b.readUInt16BE(at + 2);
    if (marker === 0xda || length < 2) return undefined;
    if (marker === 0xe1 && b.toString('latin1', at + 4, at + 10) === 'Exif\0\0') {
      return thumbnailIn(b.subarray(at + 10, Math.min(b.length, at + 2 + length)));
    }
    at += 2 + length;
  }
  return undefined;
}

function thumbnailIn(tiff: Buffer): Buffer | undefined {
  if (tiff.length < 8) return undefined;
  const little = tiff.toString('latin1', 0, 2) === 'II';
  const u16 = (o: number) =>
    o + 2 <= tiff.length ? (little ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o)) : -1;
  const u32 = (o: number) =>
    o + 4 <= tiff.length ? (little ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o)) : -1;
  const ifd0 = u32(4);
  const entries0 = u16(ifd0);
  if (ifd0 < 8 || entries0 < 0) return undefined;
  const ifd1 = u32(ifd0 + 2 + entries0 * 12);
  const entries1 = u16(ifd1);
  if (ifd1 < 8 || entries1 < 0) return undefined;
  let offset = -1;
  let length = -1;
  for (let i = 0; i < entries1; i++) {
    const entry = ifd1 + 2 + i * 12;
    if (u16(entry) === 0x0201) offset = u32(entry + 8);
    if (u16(entry) === 0x0202) length = u32(entry + 8);
  }
  if (offset < 8 || length < 4 || offset + length > tiff.length) return undefined;
  return tiff.subarray(offset, offset + length);
}

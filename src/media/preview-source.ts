import { UserError } from '../errors.js';
import { type FetchPolicy, openPublicUrl } from '../net/safe-fetch.js';
import {
  type DecodeCaps,
  decodeRefusal,
  exifThumbnail,
  type ImageHeader,
  MAX_HEADER_BYTES,
  readImageHeader,
} from './image-header.js';

export interface PreviewSource {
  bytes: Buffer;
  header: ImageHeader;
  /** The image was too costly to decode; these bytes are the thumbnail embedded in it. */
  thumbnail?: boolean;
}

/**
 * An image's bytes for a preview, read through the address guard and refused
 * as early as it can be: not an image format the decoder is trusted with (on
 * the first bytes), or too costly to decode (as soon as its header has
 * arrived). `onBytes` is told of every chunk (the per-tenant download budget).
 */
export async function fetchPreviewSource(
  url: string,
  policy: FetchPolicy,
  limits: DecodeCaps,
  signal: AbortSignal,
  onBytes: (n: number) => void,
): Promise<PreviewSource> {
  const opened = await openPublicUrl(url, policy, signal);
  const chunks: Buffer[] = [];
  let size = 0;
  let header: ImageHeader | undefined;
  try {
    for await (const chunk of opened.body) {
      const piece = chunk as Buffer;
      chunks.push(piece);
      size += piece.length;
      onBytes(piece.length);
      if (header) continue;
      const head = chunks.length === 1 ? piece : Buffer.concat(chunks);
      const verdict = readImageHeader(head);
      if (verdict.kind === 'refused') throw new UserError(verdict.why);
      if (verdict.kind === 'need_more') {
        if (size >= MAX_HEADER_BYTES) throw new UserError('its image header could not be read');
        continue;
      }
      const refusal = decodeRefusal(verdict.header, limits);
      if (refusal) {
        // A JPEG's EXIF thumbnail, when it has one, sits before the frame header: already here.
        const thumbnail = embeddedThumbnail(head, limits);
        if (thumbnail) return thumbnail;
        throw new UserError(refusal);
      }
      header = verdict.header;
    }
  } finally {
    // Refused mid-way: stop reading at once.
    opened.body.destroy();
  }
  if (!header) {
    const verdict = readImageHeader(Buffer.concat(chunks));
    throw new UserError(verdict.kind === 'refused' ? verdict.why : 'its image header could not be read');
  }
  return { bytes: Buffer.concat(chunks), header };
}

function embeddedThumbnail(head: Buffer, limits: DecodeCaps): PreviewSource | undefined {
  const bytes = exifThumbnail(head);
  const verdict = bytes ? readImageHeader(bytes) : undefined;
  if (!bytes || verdict?.kind !== 'image' || decodeRefusal(verdict.header, limits)) return undefined;
  return { bytes: Buffer.from(bytes), header: verdict.header, thumbnail: true };
}

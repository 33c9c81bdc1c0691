import { Mime } from 'mime/lite';
import otherTypes from 'mime/types/other.js';
import standardTypes from 'mime/types/standard.js';

/**
 * The `mime` package's table (IANA and common types), told what people call a
 * few media files: its first pick for audio/mpeg is `mpga`, for video/quicktime
 * `qt`; and the model files fal takes that it does not know (LoRA weights, point
 * clouds) as bytes.
 */
const mime = new Mime(standardTypes, otherTypes).define(
  {
    'audio/mpeg': ['mp3'],
    'video/quicktime': ['mov'],
    'audio/ogg': ['ogg'],
    'audio/aac': ['aac'],
    'application/octet-stream': ['bin', 'safetensors'],
    'application/ply': ['ply'],
  },
  true,
);

/** The MIME type of a file extension (without the dot), if it is a known type. */
export function mimeForExtension(ext: string | undefined): string | undefined {
  return (ext && mime.getType(ext)) || undefined;
}

/** The extension usually given to a MIME type. */
export function extensionForMime(type: string): string | undefined {
  return mime.getExtension(type) ?? undefined;
}

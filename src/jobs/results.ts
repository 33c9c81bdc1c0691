/** Finding the media in a model's output, and keeping the output small enough for an agent. */
import { mimeForExtension } from '../lib/mime.js';
import type { MEDIA_KINDS, MediaFile } from './job-record.js';

export type { MediaFile } from './job-record.js';
export type MediaKind = (typeof MEDIA_KINDS)[number];

function extensionOf(url: string): string | undefined {
  try {
    const path = new URL(url).pathname;
    const m = /\.([a-z0-9]+)$/i.exec(path);
    return m?.[1]?.toLowerCase();
  } catch {
    return undefined;
  }
}

export function mediaKindOf(mime: string | undefined, field: string): MediaKind {
  const m = mime ?? '';
  if (m.startsWith('image/')) return 'image';
  if (m.startsWith('video/')) return 'video';
  if (m.startsWith('audio/')) return 'audio';
  if (m.startsWith('model/') || m === 'application/ply' || /mesh|glb|3d/.test(field)) return '3d';
  if (/zip|tar/.test(m)) return 'archive';
  if (m.startsWith('text/')) return 'text';
  return 'file';
}

const DATA_URI_INLINE_LIMIT = 1024;
const MAX_DEPTH = 8;
const MAX_ARRAY = 200;

export interface MappedOutput {
  /** The output with large inline data URIs replaced by a note. */
  output: Record<string, unknown>;
  media: MediaFile[];
  /** How many data URIs were left out. */
  omittedDataUris: number;
}

/** Files a model makes: media, 3D, archives, weights, captions and data; not a web page or a script. */
const FILE_TYPES = new Set([
  'application/zip',
  'application/x-tar',
  'application/octet-stream',
  'application/json',
  'application/ply',
  'application/x-subrip',
  'text/plain',
  'text/vtt',
]);
const isFileType = (mime: string | undefined) =>
  mime !== undefined && (/^(image|video|audio|model)\//.test(mime) || FILE_TYPES.has(mime));

/**
 * Walk fal's output: every `{url, content_type, …}` File object and every bare
 * media URL becomes a MediaFile; data URIs over 1 KiB are replaced by a note so
 * a sync-mode result does not flood the agent's context.
 */
export function mapOutput(output: Record<string, unknown>): MappedOutput {
  const media: MediaFile[] = [];
  let omitted = 0;
  const seen = new Set<string>();

  const addMedia = (field: string, url: string, info: Record<string, unknown>) => {
    if (seen.has(url)) return;
    seen.add(url);
    const declared = typeof info.content_type === 'string' ? info.content_type : undefined;
    const ext = extensionOf(url);
    const mime = declared ?? mimeForExtension(ext);
    const fileName = typeof info.file_name === 'string' ? info.file_name : undefined;
    const file: MediaFile = {
      field,
      url,
      ...(mime ? { mime_type: mime } : {}),
      kind: mediaKindOf(mime, field),
      name: fileName ?? (url.split('/').pop()?.split('?')[0] || field),
    };
    if (typeof info.width === 'number') file.width = info.width;
    if (typeof info.height === 'number') file.height = info.height;
    if (typeof info.file_size === 'number') file.file_size = info.file_size;
    if (typeof info.duration === 'number') file.duration = info.duration;
    media.push(file);
  };

  const shrinkDataUri = (value: string): string => {
    omitted++;
    const mime = /^data:([^;,]+)/.exec(value)?.[1] ?? 'application/octet-stream';
    return `[${mime} data URI of ${value.length} characters omitted; run without sync_mode to get a URL]`;
  };

  const walk = (value: unknown, field: string, depth: number): unknown => {
    if (depth > MAX_DEPTH) return value;
    if (typeof value === 'string') {
      if (value.startsWith('data:') && value.length > DATA_URI_INLINE_LIMIT) return shrinkDataUri(value);
      if (/^https?:\/\//.test(value)) {
        const ext = extensionOf(value);
        if (isFileType(mimeForExtension(ext))) addMedia(field, value, {});
      }
      return value;
    }
    if (Array.isArray(value)) {
      return value.slice(0, MAX_ARRAY).map((item, i) => walk(item, `${field}[${i}]`, depth + 1));
    }
    if (typeof value === 'object' && value !== null) {
      const obj = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      if (typeof obj.url === 'string') {
        if (/^https?:\/\//.test(obj.url)) addMedia(field || 'output', obj.url, obj);
      }
      for (const [k, v] of Object.entries(obj)) {
        if (
          k === 'url' &&
          typeof v === 'string' &&
          v.startsWith('data:') &&
          v.length > DATA_URI_INLINE_LIMIT
        ) {
          out[k] = shrinkDataUri(v);
        } else if (k === 'url') {
          out[k] = v;
        } else {
          out[k] = walk(v, field ? `${field}.${k}` : k, depth + 1);
        }
      }
      return out;
    }
    return value;
  };

  const mapped = walk(output, '', 0) as Record<string, unknown>;
  // Some models state a single clip's length beside it rather than on the file.
  const timed = media.filter((m) => m.kind === 'video' || m.kind === 'audio');
  const stated = [output.duration, output.duration_seconds].find((d) => typeof d === 'number');
  if (timed.length === 1 && timed[0] && timed[0].duration === undefined && typeof stated === 'number') {
    timed[0].duration = stated;
  }
  return { output: mapped, media, omittedDataUris: omitted };
}

function size(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}

/** One line per file for the text mirror. */
export function mediaLine(file: MediaFile): string {
  const facts = [
    file.mime_type,
    file.width && file.height ? `${file.width}×${file.height}` : undefined,
    file.duration !== undefined ? `${Math.round(file.duration * 10) / 10} s` : undefined,
    file.file_size ? size(file.file_size) : undefined,
  ].filter(Boolean);
  return `- ${file.field}: ${file.url}${facts.length ? ` (${facts.join(', ')})` : ''}`;
}

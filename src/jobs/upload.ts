import * as v from 'valibot';
import type { Credential, FalClient } from '../fal/client.js';
import { lifecycleHeader } from '../fal/queue.js';
import { uploadParts } from './multipart-upload.js';
import type { UploadSource } from './upload-source.js';

const InitiateSchema = v.object({
  upload_url: v.pipe(v.string(), v.url()),
  file_url: v.pipe(v.string(), v.url()),
});
export type UploadTarget = v.InferOutput<typeof InitiateSchema>;

/** Above this, fal's JS client uploads in parts (Python and fal's toolkit: above 100 MiB). */
export const MULTIPART_ABOVE_BYTES = 90 * 1024 * 1024;

export interface UploadedFile {
  url: string;
  content_type: string;
  file_name: string;
  size: number;
  /** How many parts a multipart upload sent, and how many part sends were tries again. */
  parts?: number;
  part_retries?: number;
}

export interface FileFacts {
  contentType: string;
  fileName: string;
  /** How long fal's CDN keeps the file (fal's X-Fal-Object-Lifecycle); fal's default when absent. */
  expirationSeconds?: number | undefined;
}

/**
 * Ask fal's storage for an upload slot: one PUT, or a multipart upload. This is
 * the first call an upload makes, so a refused key ends it before a single byte
 * is downloaded or buffered.
 */
export function initiateUpload(
  fal: FalClient,
  as: Credential,
  file: FileFacts & { multipart?: boolean },
  signal?: AbortSignal,
): Promise<UploadTarget> {
  return fal.request({
    route: file.multipart ? 'storage.multipart' : 'storage.initiate',
    method: 'POST',
    path: file.multipart ? 'storage/upload/initiate-multipart' : 'storage/upload/initiate',
    searchParams: new URLSearchParams({ storage_type: 'fal-cdn-v3' }),
    json: { content_type: file.contentType, file_name: file.fileName },
    ...(file.expirationSeconds !== undefined
      ? { headers: lifecycleHeader('x-fal-object-lifecycle', file.expirationSeconds) }
      : {}),
    as,
    schema: InitiateSchema,
    signal,
  });
}

/**
 * Send a source of known length to fal's storage: one PUT with its
 * Content-Length into `single` (a slot already initiated), or, above 90 MiB,
 * a multipart upload of 10 MiB parts exactly as fal's own client does.
 */
export async function uploadSource(
  fal: FalClient,
  as: Credential,
  source: UploadSource,
  file: FileFacts & { single: UploadTarget },
  signal: AbortSignal,
): Promise<UploadedFile> {
  const facts = { content_type: file.contentType, file_name: file.fileName, size: source.size };
  if (source.size > MULTIPART_ABOVE_BYTES) {
    const target = await initiateUpload(fal, as, { ...file, multipart: true }, signal);
    const sent = await uploadParts(fal, as, target, source, signal);
    return { url: target.file_url, ...facts, parts: sent.parts, part_retries: sent.retries };
  }
  await fal.toStorage(
    file.single.upload_url,
    {
      route: 'storage.upload',
      method: 'PUT',
      body: source.read(0, source.size),
      length: source.size,
      headers: { 'content-type': file.contentType },
      sourceError: source.failure,
    },
    as,
    signal,
  );
  return { url: file.single.file_url, ...facts };
}

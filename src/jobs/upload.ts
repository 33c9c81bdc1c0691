import type { Readable } from 'node:stream';
import * as v from 'valibot';
import type { Credential, FalClient } from '../fal/client.js';

const InitiateSchema = v.object({
  upload_url: v.pipe(v.string(), v.url()),
  file_url: v.pipe(v.string(), v.url()),
});
export type UploadTarget = v.InferOutput<typeof InitiateSchema>;

export interface UploadedFile {
  url: string;
  content_type: string;
  file_name: string;
  size: number;
}

/**
 * Ask fal's storage for an upload slot. This is the first call an upload makes,
 * so a refused key ends it before a single byte is downloaded or buffered.
 */
export function initiateUpload(
  fal: FalClient,
  as: Credential,
  file: { contentType: string; fileName: string },
  signal?: AbortSignal,
): Promise<UploadTarget> {
  return fal.request({
    route: 'storage.initiate',
    method: 'POST',
    path: 'storage/upload/initiate',
    searchParams: new URLSearchParams({ storage_type: 'fal-cdn-v3' }),
    json: { content_type: file.contentType, file_name: file.fileName },
    as,
    schema: InitiateSchema,
    signal,
  });
}

/**
 * Stream the bytes into the slot (the PUT carries no key: the URL authorizes it),
 * counting them. A failing source (too large, cut off) is reported as itself,
 * not as a failure of fal's storage.
 */
export async function putUpload(
  fal: FalClient,
  as: Credential,
  target: UploadTarget,
  body: Readable,
  file: { contentType: string; fileName: string },
  signal: AbortSignal,
): Promise<UploadedFile> {
  let size = 0;
  let sourceError: unknown;
  body.on('data', (chunk: Buffer) => {
    size += chunk.length;
  });
  body.once('error', (error) => {
    sourceError = error;
  });
  await fal.upload(
    target.upload_url,
    { stream: body, contentType: file.contentType, sourceError: () => sourceError },
    as,
    signal,
  );
  return { url: target.file_url, content_type: file.contentType, file_name: file.fileName, size };
}

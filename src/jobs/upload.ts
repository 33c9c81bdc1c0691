import * as v from 'valibot';
import type { Secret } from '../auth/secret.js';
import type { FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';

const InitiateSchema = v.object({
  upload_url: v.pipe(v.string(), v.url()),
  file_url: v.pipe(v.string(), v.url()),
});

export interface UploadedFile {
  url: string;
  content_type: string;
  file_name: string;
  size: number;
}

/** fal's CDN upload: initiate (with the caller's key), then PUT the bytes to the signed URL (no key). */
export async function uploadToFal(
  fal: FalClient,
  key: Secret,
  file: { bytes: Uint8Array; contentType: string; fileName: string },
  signal?: AbortSignal,
): Promise<UploadedFile> {
  const target = await fal.request('storage', {
    method: 'POST',
    path: 'storage/upload/initiate',
    searchParams: new URLSearchParams({ storage_type: 'fal-cdn-v3' }),
    json: { content_type: file.contentType, file_name: file.fileName },
    key,
    schema: InitiateSchema,
    signal,
  });
  if (!/^https?:/.test(target.upload_url)) {
    throw new FalError({ kind: 'bad_response', message: 'fal returned an upload URL that is not http(s)' });
  }
  let response: Response;
  try {
    response = await fetch(target.upload_url, {
      method: 'PUT',
      body: new Blob([file.bytes as Uint8Array<ArrayBuffer>]),
      headers: { 'content-type': file.contentType },
      ...(signal ? { signal } : {}),
    });
  } catch {
    throw new FalError({ kind: 'unavailable', message: 'the upload to fal storage failed (connection)' });
  }
  if (!response.ok) {
    throw new FalError({
      kind: response.status >= 500 ? 'unavailable' : 'bad_response',
      status: response.status,
      message: 'fal storage refused the upload',
    });
  }
  return {
    url: target.file_url,
    content_type: file.contentType,
    file_name: file.fileName,
    size: file.bytes.byteLength,
  };
}

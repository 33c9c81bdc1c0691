import * as v from 'valibot';
import { UserError } from '../errors.js';
import type { Credential, FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import type { UploadSource } from './upload-source.js';

/** fal's JS client: 10 MiB parts, each tried up to 3 times. */
export const PART_BYTES = 10 * 1024 * 1024;
const TRIES_PER_PART = 3;
/** Parts in flight at once for one upload (each is streamed from the source, not held in memory). */
const PARTS_AT_ONCE = 3;

const PartAnswer = v.looseObject({ partNumber: v.optional(v.number()), etag: v.optional(v.string()) });

/** Where a part and the `complete` call go: `{origin}{path}/{n}{search}` (fal's client builds them so). */
export function partUrl(uploadUrl: string, part: number | 'complete'): string {
  const url = new URL(uploadUrl);
  return `${url.origin}${url.pathname}/${part}${url.search}`;
}

export function partCount(size: number): number {
  return Math.ceil(size / PART_BYTES);
}

/**
 * Send every part (a few at a time, each retried from a fresh read of its
 * bytes), then `complete` with every part's ETag in order. Any failure ends the
 * upload with an error and no URL: an uncompleted multipart upload is never a file.
 */
export async function uploadParts(
  fal: FalClient,
  as: Credential,
  target: { upload_url: string },
  source: UploadSource,
  signal: AbortSignal,
): Promise<{ parts: number; retries: number }> {
  if (!source.rereadable) throw new Error('multipart uploads need a source whose parts can be read again');
  const count = partCount(source.size);
  const etags: string[] = new Array(count);
  let next = 0;
  let retries = 0;
  // One part that fails for good stops the others: nothing more is sent for an upload that failed.
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const worker = async () => {
    while (next < count && !stop.signal.aborted) {
      const index = next++;
      try {
        const { etag, tries } = await sendPart(fal, as, target.upload_url, source, index, stop.signal);
        etags[index] = etag;
        retries += tries - 1;
      } catch (error) {
        stop.abort(error);
        throw error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(PARTS_AT_ONCE, count) }, worker));
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  if (signal.aborted) throw new UserError('The upload was cancelled; nothing was uploaded.');
  const parts = etags.map((etag, i) => ({ partNumber: i + 1, etag }));
  const body = Buffer.from(JSON.stringify({ parts }));
  try {
    await fal.toStorage(
      partUrl(target.upload_url, 'complete'),
      {
        route: 'storage.complete',
        method: 'POST',
        body,
        length: body.byteLength,
        headers: { 'content-type': 'application/json' },
      },
      as,
      signal,
    );
  } catch (error) {
    if (!(error instanceof FalError)) throw error;
    throw new UserError(
      `fal's storage did not assemble the ${count} uploaded parts (${error.message}); nothing was uploaded. Retry the upload.`,
    );
  }
  return { parts: count, retries };
}

async function sendPart(
  fal: FalClient,
  as: Credential,
  uploadUrl: string,
  source: UploadSource,
  index: number,
  signal: AbortSignal,
): Promise<{ etag: string; tries: number }> {
  const start = index * PART_BYTES;
  const end = Math.min(source.size, start + PART_BYTES);
  let last: unknown;
  for (let tries = 1; tries <= TRIES_PER_PART; tries++) {
    if (signal.aborted) break;
    try {
      const sent = await fal.toStorage(
        partUrl(uploadUrl, index + 1),
        {
          route: 'storage.part',
          method: 'PUT',
          body: source.read(start, end),
          length: end - start,
          headers: { 'content-type': 'application/octet-stream' },
        },
        as,
        signal,
      );
      const etag = etagOf(sent.text) ?? sent.etag;
      if (!etag) throw new FalError({ kind: 'bad_response', message: 'the part was stored without an ETag' });
      return { etag, tries };
    } catch (error) {
      if (!(error instanceof FalError)) throw error;
      last = error;
    }
  }
  const why = last instanceof Error ? last.message : 'cancelled';
  throw new UserError(
    `Part ${index + 1} of ${partCount(source.size)} could not be uploaded after ${TRIES_PER_PART} tries (${why}); nothing was uploaded. Retry in a minute.`,
  );
}

function etagOf(text: string): string | undefined {
  try {
    const parsed = v.safeParse(PartAnswer, JSON.parse(text));
    return parsed.success ? parsed.output.etag : undefined;
  } catch {
    return undefined;
  }
}

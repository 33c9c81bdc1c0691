import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { UserError } from '../errors.js';

/**
 * Bytes ready to be sent with a known length: in memory (a small base64
 * upload), a stream that declared its length, or a spooled temporary file.
 * `read(start, end)` opens the byte range [start, end) again, so a multipart
 * part can be retried; a live stream can be read once, from its start.
 */
export interface UploadSource {
  size: number;
  read(start: number, end: number): Readable | Buffer;
  /** Whether any range can be read again (a buffer or a file, not a live stream). */
  rereadable: boolean;
  /** Set once the source itself failed (lied about its length, passed the cap, hung up). */
  failure(): unknown;
  dispose(): Promise<void>;
}

export function bufferSource(bytes: Buffer): UploadSource {
  return {
    size: bytes.byteLength,
    read: (start, end) => bytes.subarray(start, end),
    rereadable: true,
    failure: () => undefined,
    dispose: async () => undefined,
  };
}

/**
 * A live download that declared its length: streamed straight through, held to
 * exactly that length (a source that sends more is cut off at once, one that
 * sends less fails the upload), so the PUT's Content-Length is never a lie.
 */
export function declaredSource(body: Readable, declared: number): UploadSource {
  let failure: unknown;
  let used = false;
  const exact = exactLength(declared);
  exact.once('error', (error) => {
    failure ??= error;
  });
  body.once('error', (error) => {
    failure ??= error;
    exact.destroy(error);
  });
  body.pipe(exact);
  return {
    size: declared,
    read: () => {
      if (used) throw new Error('a live source can be read once');
      used = true;
      return exact;
    },
    rereadable: false,
    failure: () => failure,
    dispose: async () => {
      body.destroy();
      exact.destroy();
    },
  };
}

/**
 * Write a download of unknown length to a temporary file first (the stream is
 * already capped at the upload limit), so what goes to fal has a length and
 * parts can be re-read; memory stays flat whatever the size. Removed on dispose.
 */
export async function spooledSource(body: Readable, signal: AbortSignal): Promise<UploadSource> {
  const dir = await mkdtemp(join(tmpdir(), 'fal-mcp-spool-'));
  const path = join(dir, 'source');
  const dispose = () => rm(dir, { recursive: true, force: true });
  let size = 0;
  try {
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(body, counter, createWriteStream(path), { signal });
  } catch (error) {
    await dispose();
    throw error instanceof UserError ? error : new UserError(`Could not read the URL (${describe(error)}).`);
  }
  if (size === 0) {
    await dispose();
    throw new UserError('The URL answered with an empty file; nothing was uploaded.');
  }
  return {
    size,
    read: (start, end) => createReadStream(path, { start, end: end - 1 }),
    rereadable: true,
    failure: () => undefined,
    dispose,
  };
}

/** Passes exactly `declared` bytes; more or fewer is an error naming the source. */
function exactLength(declared: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > declared) {
        done(
          new UserError(
            `The URL sent more bytes than the ${declared} its Content-Length declared; it was cut off and nothing was uploaded.`,
          ),
        );
        return;
      }
      done(null, chunk);
    },
    flush(done) {
      if (seen < declared) {
        done(
          new UserError(
            `The URL ended after ${seen} of the ${declared} bytes its Content-Length declared; nothing was uploaded. Check that the file is complete and retry.`,
          ),
        );
        return;
      }
      done();
    },
  });
}

function describe(error: unknown): string {
  if (error instanceof Error && error.name === 'AbortError') return 'the call was cancelled or timed out';
  return error instanceof Error ? error.message : String(error);
}

import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface SentBody {
  status: number;
  /** The ETag header, if any (multipart parts answer with one). */
  etag: string | undefined;
  /** The answer's text, read up to a small cap (storage answers are tiny JSON or XML). */
  text: string;
}

/** Storage answers are a few hundred bytes; anything past this is not read. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Send bytes to a storage URL with Node's own HTTP client, always with a
 * Content-Length (object stores answer 411 to a chunked PUT). Not fetch: on
 * Node 20, undici keeps every chunk of a streamed request body alive until a
 * full GC, so 8 concurrent 50 MB uploads held ~420 MB; piped here they hold
 * ~40 MB (bench:hardening). A stream must deliver exactly `length` bytes.
 */
export function sendBody(
  url: string,
  init: { method: 'PUT' | 'POST'; body: Readable | Buffer; length: number; headers: Record<string, string> },
  signal: AbortSignal,
): Promise<SentBody> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  const headers = { ...init.headers, 'content-length': String(init.length) };
  return new Promise<SentBody>((resolve, reject) => {
    const req = client.request(target, { method: init.method, headers, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_ANSWER_BYTES) return;
        size += chunk.length;
        chunks.push(chunk);
      });
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          etag: headerOf(res.headers.etag),
          text: Buffer.concat(chunks).subarray(0, MAX_ANSWER_BYTES).toString('utf8'),
        }),
      );
      res.once('error', reject);
    });
    const body = Buffer.isBuffer(init.body) ? Readable.from([init.body]) : init.body;
    pipeline(body, req).catch(reject);
  });
}

function headerOf(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** An object store's error code (`<Code>MissingContentLength</Code>`), when its answer names one. */
export function storageCode(text: string): string {
  const code = /<Code>([A-Za-z]{1,64})<\/Code>/.exec(text)?.[1];
  return code ? `: ${code}` : '';
}

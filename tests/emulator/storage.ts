import { createHash, randomUUID } from 'node:crypto';
import { type Context, Hono } from 'hono';
import { type FaultBook, platformError } from './faults.js';
import { cdnFile } from './media.js';
import { inputOfJob, lifetimeOf } from './queue.js';
import { frameOf } from './sample.js';
import type { EmulatorState } from './state.js';

/** S3's answer to a PUT without a length: signed object-storage URLs refuse chunked bodies. */
const MISSING_LENGTH =
  '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>MissingContentLength</Code><Message>You must provide the Content-Length HTTP header.</Message></Error>';
const MIN_PART_BYTES = 5 * 1024 * 1024;

interface Multipart {
  name: string;
  contentType: string;
  parts: Map<number, { etag: string; bytes: Uint8Array; size: number }>;
}

/** fal's CDN upload flow (`rest.fal.ai`): initiate, then PUT the bytes (or parts); plus the CDN itself. */
export function storageRoutes(state: EmulatorState, faults: FaultBook, origin: () => string): Hono {
  const s = new Hono();
  const err = (status: number) => platformError(status);
  const multiparts = new Map<string, Multipart>();
  // Signed URLs say when they stop working, as S3's do (X-Amz-Date + X-Amz-Expires).
  const signed = (name: string) =>
    `?name=${name}&X-Amz-Date=${new Date().toISOString().replace(/[-:]|\.\d{3}/g, '')}&X-Amz-Expires=3600`;

  const initiate = (multipart: boolean) => async (c: Context) => {
    const key = state.keyOf(c);
    if (!key || !state.isValidKey(key)) return c.json(platformError(401, 'Invalid or missing key'), 401);
    const body = (await c.req.json().catch(() => null)) as {
      content_type?: string;
      file_name?: string;
    } | null;
    if (!body?.content_type) return c.json(platformError(422, 'content_type is required'), 422);
    const token = randomUUID();
    const name = encodeURIComponent(body.file_name ?? 'upload.bin');
    const lifetime = lifetimeOf(c.req.header('x-fal-object-lifecycle'));
    if (lifetime !== undefined) state.uploadLifetimes.set(token, lifetime);
    if (multipart) multiparts.set(token, { name, contentType: body.content_type, parts: new Map() });
    return c.json({
      upload_url: `${origin()}/${multipart ? 'upload-multipart' : 'upload'}/${token}${signed(name)}`,
      file_url: `${origin()}/cdn/files/${token}/${name}`,
    });
  };
  s.post('/storage-api/storage/upload/initiate', faults.route('storage.initiate', err), initiate(false));
  s.post(
    '/storage-api/storage/upload/initiate-multipart',
    faults.route('storage.multipart', err),
    initiate(true),
  );

  s.put('/upload/:token', faults.route('storage.upload', err), async (c) => {
    const contentType = c.req.header('content-type') ?? 'application/octet-stream';
    const body = await readLengthed(c, state.keepUploads, state.acceptChunkedUploads);
    if (body === 'no_length') return c.body(MISSING_LENGTH, 411, { 'content-type': 'application/xml' });
    // The uploader hung up mid-body (as the server does when a source lies or passes its limit).
    if (body === 'cut') return c.body(null, 400);
    state.uploadHeaders.push(headersOf(c));
    state.files.set(c.req.param('token'), {
      bytes: body.bytes,
      contentType,
      size: body.size,
      ...expiryOf(state, c.req.param('token')),
    });
    return c.body(null, 200);
  });

  s.put('/upload-multipart/:token/:part{[0-9]+}', faults.route('storage.part', err), async (c) => {
    const upload = multiparts.get(c.req.param('token'));
    if (!upload) return c.body('<Error><Code>NoSuchUpload</Code></Error>', 404);
    const body = await readLengthed(c, state.keepUploads);
    if (body === 'no_length') return c.body(MISSING_LENGTH, 411, { 'content-type': 'application/xml' });
    if (body === 'cut') return c.body(null, 400);
    state.uploadHeaders.push(headersOf(c));
    const partNumber = Number(c.req.param('part'));
    const etag = `"${createHash('md5').update(body.bytes).update(String(body.size)).digest('hex')}"`;
    upload.parts.set(partNumber, { etag, bytes: body.bytes, size: body.size });
    return c.json({ partNumber, etag }, 200, { etag });
  });

  s.post('/upload-multipart/:token/complete', faults.route('storage.complete', err), async (c) => {
    const token = c.req.param('token');
    const upload = multiparts.get(token);
    if (!upload) return c.body('<Error><Code>NoSuchUpload</Code></Error>', 404);
    const body = (await c.req.json().catch(() => null)) as {
      parts?: { partNumber?: number; etag?: string }[];
    } | null;
    const listed = body?.parts ?? [];
    const stored = listed.map((p, i) => {
      const part = upload.parts.get(p.partNumber ?? -1);
      return part && p.partNumber === i + 1 && part.etag === p.etag ? part : undefined;
    });
    // S3: every part listed, in order, with its ETag; all but the last at least 5 MiB.
    if (listed.length === 0 || stored.some((p) => p === undefined)) {
      return c.body('<Error><Code>InvalidPart</Code></Error>', 400);
    }
    const parts = stored as { bytes: Uint8Array; size: number }[];
    if (parts.slice(0, -1).some((p) => p.size < MIN_PART_BYTES)) {
      return c.body('<Error><Code>EntityTooSmall</Code></Error>', 400);
    }
    multiparts.delete(token);
    const size = parts.reduce((n, p) => n + p.size, 0);
    const bytes = state.keepUploads ? Buffer.concat(parts.map((p) => p.bytes)) : new Uint8Array(0);
    state.files.set(token, {
      bytes,
      contentType: upload.contentType,
      size,
      parts: parts.length,
      ...expiryOf(state, token),
    });
    return c.json({ url: `${origin()}/cdn/files/${token}/${upload.name}` });
  });

  s.get('/cdn/files/:token/:name', (c) => {
    const file = state.files.get(c.req.param('token'));
    if (!file || (file.expiresAt !== undefined && state.now() >= file.expiresAt))
      return c.json({ detail: 'Not found' }, 404);
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': file.contentType });
  });

  s.get('/cdn/:requestId/:name', faults.route('cdn', err), async (c) => {
    // A request's files go with its payloads, or when the lifetime it was submitted with ends.
    const job = state.requestLog.find((j) => j.requestId === c.req.param('requestId'));
    if (job?.payloadsDeleted || (job?.mediaExpiresAt !== undefined && state.now() >= job.mediaExpiresAt))
      return c.json({ detail: 'Not found' }, 404);
    // An image is drawn at the frame its request asked for, as the model would have made it.
    const file = await cdnFile(c.req.param('name'), job && frameOf(inputOfJob(state, job)));
    // Sent in 64 KiB pieces as the reader takes them, counted: what a client stopped reading is not sent.
    let at = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (at >= file.bytes.length) return controller.close();
          const piece = new Uint8Array(file.bytes.subarray(at, at + 64 * 1024));
          at += piece.length;
          state.cdnBytesSent += piece.length;
          controller.enqueue(piece);
        },
      },
      { highWaterMark: 0 },
    );
    return c.body(body, 200, { 'content-type': file.type, 'content-length': String(file.bytes.length) });
  });

  // For SSRF tests: a public-looking URL that redirects wherever it is told.
  s.get('/_emulator/redirect', (c) => c.redirect(c.req.query('to') ?? '/', 302));

  return s;
}

/** The lifetime asked for at the upload's initiate, as an expiry from now. */
function expiryOf(state: EmulatorState, token: string): { expiresAt?: number } {
  const seconds = state.uploadLifetimes.get(token);
  return seconds !== undefined ? { expiresAt: state.now() + seconds * 1000 } : {};
}

function headersOf(c: Context): Record<string, string> {
  return Object.fromEntries(c.req.raw.headers.entries());
}

/**
 * Read a PUT body the way object storage does: a Content-Length is required,
 * and a body that ends short of it is no object at all. Kept whole, or (large
 * upload benchmarks) only counted.
 */
async function readLengthed(
  c: Context,
  keep: boolean,
  acceptChunked = false,
): Promise<{ bytes: Uint8Array; size: number } | 'no_length' | 'cut'> {
  const declared = c.req.header('content-length');
  if (!acceptChunked && (declared === undefined || c.req.header('transfer-encoding'))) {
    await c.req.raw.body?.cancel().catch(() => undefined);
    return 'no_length';
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    const reader = c.req.raw.body?.getReader();
    for (;;) {
      const chunk = await reader?.read();
      if (!chunk || chunk.done) break;
      size += chunk.value.byteLength;
      if (keep) chunks.push(chunk.value);
    }
  } catch {
    return 'cut';
  }
  if (declared !== undefined && size !== Number(declared)) return 'cut';
  return { bytes: keep ? Buffer.concat(chunks) : new Uint8Array(0), size };
}

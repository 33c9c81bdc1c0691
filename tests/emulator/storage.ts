import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { type FaultBook, platformError } from './faults.js';
import { cdnFile } from './media.js';
import type { EmulatorState } from './state.js';

/** fal's CDN upload flow (`rest.fal.ai`): initiate, then PUT the bytes; plus the CDN itself. */
export function storageRoutes(state: EmulatorState, faults: FaultBook, origin: () => string): Hono {
  const s = new Hono();
  const err = (status: number) => platformError(status);

  s.post('/storage-api/storage/upload/initiate', faults.route('storage.initiate', err), async (c) => {
    const key = state.keyOf(c);
    if (!key || !state.isValidKey(key)) return c.json(platformError(401, 'Invalid or missing key'), 401);
    const body = (await c.req.json().catch(() => null)) as {
      content_type?: string;
      file_name?: string;
    } | null;
    if (!body?.content_type) return c.json(platformError(422, 'content_type is required'), 422);
    const token = randomUUID();
    const name = encodeURIComponent(body.file_name ?? 'upload.bin');
    return c.json({
      upload_url: `${origin()}/upload/${token}?name=${name}`,
      file_url: `${origin()}/cdn/files/${token}/${name}`,
    });
  });

  s.put('/upload/:token', faults.route('storage.upload', err), async (c) => {
    const contentType = c.req.header('content-type') ?? 'application/octet-stream';
    try {
      if (state.keepUploads) {
        state.files.set(c.req.param('token'), {
          bytes: new Uint8Array(await c.req.arrayBuffer()),
          contentType,
        });
        return c.body(null, 200);
      }
      // Large-upload benchmarks: count the bytes as they stream, keep none.
      let size = 0;
      const reader = c.req.raw.body?.getReader();
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        size += chunk.value.byteLength;
      }
      state.files.set(c.req.param('token'), { bytes: new Uint8Array(0), contentType, size });
      return c.body(null, 200);
    } catch {
      // The uploader hung up mid-body (as the server does when a source passes its limit).
      return c.body(null, 400);
    }
  });

  s.get('/cdn/files/:token/:name', (c) => {
    const file = state.files.get(c.req.param('token'));
    if (!file) return c.json({ detail: 'Not found' }, 404);
    return c.body(file.bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': file.contentType });
  });

  s.get('/cdn/:requestId/:name', faults.route('cdn', err), async (c) => {
    const file = await cdnFile(c.req.param('name'));
    return c.body(new Uint8Array(file.bytes), 200, { 'content-type': file.type });
  });

  // For SSRF tests: a public-looking URL that redirects wherever it is told.
  s.get('/_emulator/redirect', (c) => c.redirect(c.req.query('to') ?? '/', 302));

  return s;
}

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { expectedBytes, startFileServer } from '../helpers/file-server.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const KEY = 'upload-id:upload-secret';

describe('upload_file streams, after the key is checked', () => {
  let h: Harness;
  let client: TestClient;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let origin = '';
  beforeAll(async () => {
    files = await startFileServer();
    origin = files.origin;
    h = await startHarness({
      env: {
        FETCH_ALLOW_HOSTS: files.host,
        UPLOAD_MAX_BYTES: String(8 * 1024 * 1024),
        UPSTREAM_RETRIES: '0',
      },
    });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
    await files.close();
  });
  beforeEach(() => {
    files.hits.length = 0;
    h.emulator.faults.clear();
  });

  it('a key fal refuses downloads nothing', async () => {
    const junk = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'invalid-junk-key' },
    });
    const r = await junk.callTool('upload_file', { url: `${origin}/big.png?size=5000000` });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/fal refused the key \(HTTP 401\)/);
    expect(files.hits).toEqual([]);
    await junk.close();
  });

  it('streams the file to fal storage byte for byte, with the type the source served', async () => {
    const size = 3 * 1024 * 1024 + 17;
    const r = await client.callTool('upload_file', {
      url: `${origin}/clip?size=${size}&type=video/mp4&chunked`,
    });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as { url: string; size: number; content_type: string };
    expect(out).toMatchObject({ size, content_type: 'video/mp4' });
    const stored = await fetch(out.url);
    expect(stored.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await stored.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(
      createHash('sha256').update(expectedBytes(size)).digest('hex'),
    );
    // Initiated once with the guess, once more with the type the source declared.
    expect(h.emulator.faults.callsTo('storage.initiate')).toHaveLength(2);
  });

  it('a source larger than the limit is cut off with a clear error, not blamed on fal', async () => {
    const r = await client.callTool('upload_file', {
      url: `${origin}/huge.png?size=${20 * 1024 * 1024}&chunked`,
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/The file is larger than the limit of 8388608 bytes/);
    const ready = (await (await h.app.request('/ready')).json()) as {
      upstream: { tenant_circuits_open: number };
    };
    expect(ready.upstream.tenant_circuits_open).toBe(0);
  });

  it.each([
    'https://evil.example/put?sig=1',
    'http://169.254.169.254/latest/meta-data/',
    'http://v3b.fal.media/upload/slot',
  ])('never PUTs to an upload URL outside fal: %s', async (uploadUrl) => {
    h.emulator.inject('storage.initiate', {
      status: 200,
      body: { upload_url: uploadUrl, file_url: 'https://v3b.fal.media/files/x.png' },
    });
    const r = await client.callTool('upload_file', {
      data_base64: Buffer.from('pixels').toString('base64'),
      content_type: 'image/png',
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/upload URL outside fal's own hosts; nothing was sent to it/);
    expect(h.emulator.faults.callsTo('storage.upload')).toHaveLength(0);
  });

  it.each([
    'http://[::ffff:127.0.0.1]/x',
    'http://[0:0:0:0:0:ffff:7f00:1]/x',
    'http://[::127.0.0.1]/x',
    'http://[::ffff:0:a00:1]/x',
    'http://[64:ff9b::a9fe:a9fe]/latest/meta-data/',
    'http://[64:ff9b:1::a00:1]/x',
    'http://[2002:a9fe:a9fe::]/x',
    'http://[fec0::1]/x',
  ])('refuses %s before connecting or calling fal', async (url) => {
    const r = await client.callTool('upload_file', { url });
    expect(r.isError).toBe(true);
    // This refusal comes from the address check, which runs before any connection is opened.
    expect(textOf(r)).toMatch(/Refused to fetch the URL: .* is a private or reserved address/);
    expect(h.emulator.faults.callsTo('storage.initiate')).toHaveLength(0);
  });

  it('caps uploads running at once per key', async () => {
    const slow = Array.from({ length: 4 }, (_, i) =>
      client.callTool('upload_file', { url: `${origin}/slow${i}.png?size=${2 * 1024 * 1024}&slow=40` }),
    );
    await expect.poll(() => files.hits.length, { timeout: 5000 }).toBe(4);
    const fifth = await client.callTool('upload_file', { url: `${origin}/fifth.png?size=10` });
    const done = await Promise.all(slow);
    expect(done.map(textOf).filter((t) => !t.startsWith('Uploaded'))).toEqual([]);
    expect(fifth.isError).toBe(true);
    expect(textOf(fifth)).toMatch(/Too many uploads are running \(at most 4 per key\)/);
    expect(
      (await client.callTool('upload_file', { url: `${origin}/after.png?size=10` })).isError,
    ).toBeFalsy();
  });
});

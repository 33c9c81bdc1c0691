import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { expectedBytes, startFileServer } from '../helpers/file-server.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const MiB = 1024 * 1024;
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const spools = () => readdirSync(tmpdir()).filter((d) => d.startsWith('fal-mcp-spool-'));

/** fal's storage is signed object storage: it wants a length on every PUT, and parts above 90 MiB. */
describe('uploads reach fal storage the way object storage takes them', () => {
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
        UPLOAD_MAX_BYTES: String(200 * MiB),
        UPSTREAM_RETRIES: '0',
      },
    });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'fidelity-id:fidelity-secret' },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
    await files.close();
  });
  beforeEach(() => {
    h.emulator.faults.clear();
    h.emulator.state.files.clear();
    h.emulator.state.uploadHeaders.length = 0;
  });

  const stored = () => [...h.emulator.state.files.values()];

  it('the emulated storage refuses a chunked PUT with 411 MissingContentLength, as S3 does', async () => {
    const slot = (await (
      await fetch(`${h.emulator.storageUrl}/storage/upload/initiate?storage_type=fal-cdn-v3`, {
        method: 'POST',
        headers: { authorization: 'Key a:b', 'content-type': 'application/json' },
        body: JSON.stringify({ content_type: 'text/plain', file_name: 'x.txt' }),
      })
    ).json()) as { upload_url: string };
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('hello'));
        controller.close();
      },
    });
    const put = await fetch(slot.upload_url, {
      method: 'PUT',
      body: chunked,
      duplex: 'half',
    } as RequestInit);
    expect(put.status).toBe(411);
    expect(await put.text()).toContain('<Code>MissingContentLength</Code>');
  });

  it('every PUT carries Content-Length: base64, a URL that declares its length, a chunked URL (spooled)', async () => {
    const inline = await client.callTool('upload_file', {
      data_base64: Buffer.from('hello').toString('base64'),
      content_type: 'text/plain',
    });
    const declared = await client.callTool('upload_file', { url: `${origin}/a.png?size=300000` });
    const chunked = await client.callTool('upload_file', { url: `${origin}/b.png?size=300001&chunked` });
    expect([inline, declared, chunked].map((r) => r.isError ?? false)).toEqual([false, false, false]);
    const sent = h.emulator.state.uploadHeaders.map((hd) => [hd['content-length'], hd['transfer-encoding']]);
    expect(sent).toEqual([
      ['5', undefined],
      ['300000', undefined],
      ['300001', undefined],
    ]);
    expect(sha(stored()[2]?.bytes ?? new Uint8Array())).toBe(sha(expectedBytes(300001)));
    expect(spools()).toEqual([]);
  });

  it('a URL that ends short of its declared length is refused, and nothing is stored', async () => {
    const r = await client.callTool('upload_file', { url: `${origin}/short.png?size=500000&short=70000` });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/Could not fetch the URL|ended after \d+ of the 500000 bytes/);
    expect(textOf(r)).not.toMatch(/fal (storage|is unavailable)/);
    expect(stored()).toEqual([]);
  });

  it('above 90 MiB a URL goes in 10 MiB parts, completed with every ETag, byte for byte', async () => {
    const size = 95 * MiB + 123;
    const r = await client.callTool('upload_file', {
      url: `${origin}/big.mp4?size=${size}&type=video/mp4&chunked`,
    });
    expect(textOf(r)).toMatch(/^Uploaded big\.mp4 \(99614843 bytes, video\/mp4, in 10 parts\)/);
    expect(h.emulator.faults.callsTo('storage.multipart')).toHaveLength(1);
    expect(h.emulator.faults.callsTo('storage.part')).toHaveLength(10);
    expect(h.emulator.faults.callsTo('storage.complete')).toHaveLength(1);
    const file = stored()[0];
    expect(file?.parts).toBe(10);
    expect(sha(file?.bytes ?? new Uint8Array())).toBe(sha(expectedBytes(size)));
    const lengths = h.emulator.state.uploadHeaders.map((hd) => Number(hd['content-length']));
    expect(lengths).toEqual([...Array(9).fill(10 * MiB), size - 9 * 10 * MiB]);
    // The spool file is gone once the upload ends.
    expect(spools()).toEqual([]);
  });

  it('a part that fails is sent again from its own bytes', async () => {
    h.emulator.inject('storage.part', { status: 503, times: 2 });
    const r = await client.callTool('upload_file', {
      url: `${origin}/retry.bin?size=${91 * MiB}&type=application/octet-stream`,
    });
    expect(r.isError).toBeFalsy();
    expect(h.emulator.faults.callsTo('storage.part')).toHaveLength(10 + 2);
    expect(sha(stored()[0]?.bytes ?? new Uint8Array())).toBe(sha(expectedBytes(91 * MiB)));
  });

  it('a part failing three times ends the upload with a clear error and no URL', async () => {
    h.emulator.inject('storage.part', {
      status: 503,
      when: (c) => new URL(c.req.url).pathname.endsWith('/4'),
    });
    // The other parts take a while: part 4 fails for good while parts 5 and 6 are still on their way.
    h.emulator.inject('storage.part', {
      delayMs: 400,
      when: (c) => !new URL(c.req.url).pathname.endsWith('/4'),
    });
    const r = await client.callTool('upload_file', {
      url: `${origin}/doomed.bin?size=${91 * MiB}&type=application/octet-stream`,
    });
    // Parts 1–3, part 4 three times, at most 5 and 6 already started: nothing more is sent once the
    // upload failed (without stopping, the other seven parts go too: 12 calls).
    expect(h.emulator.faults.callsTo('storage.part').length).toBeLessThanOrEqual(8);
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(
      /Part 4 of 10 could not be uploaded after 3 tries \(.*HTTP 503.*\); nothing was uploaded/,
    );
    expect(JSON.stringify(r)).not.toContain('/cdn/files/');
    expect(h.emulator.faults.callsTo('storage.complete')).toHaveLength(0);
    expect(stored()).toEqual([]);
    expect(spools()).toEqual([]);
  });

  it('a complete that fal refuses leaves no file and says so', async () => {
    h.emulator.inject('storage.complete', { status: 400, body: { detail: 'InvalidPart' }, times: 1 });
    const r = await client.callTool('upload_file', {
      url: `${origin}/lost.bin?size=${91 * MiB}&type=application/octet-stream`,
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(
      /fal's storage did not assemble the 10 uploaded parts .*nothing was uploaded\. Retry/,
    );
    expect(stored()).toEqual([]);
  });

  it('a chunked source past UPLOAD_MAX_BYTES is refused while spooling, and the spool is removed', async () => {
    const r = await client.callTool('upload_file', { url: `${origin}/huge.bin?size=${201 * MiB}&chunked` });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/The file is larger than the limit of 209715200 bytes/);
    expect(h.emulator.faults.callsTo('storage.multipart')).toHaveLength(0);
    expect(spools()).toEqual([]);
  });
});

describe("fal's own client against the emulated storage", () => {
  it('@fal-ai/client uploads 91 MiB in parts, and the file comes back whole', async () => {
    const { startEmulator } = await import('../emulator/app.js');
    const emu = await startEmulator();
    try {
      const { createFalClient } = await import('@fal-ai/client');
      const fal = createFalClient({
        credentials: 'interop-id:interop-secret',
        fetch: (input: string | URL | Request, init?: RequestInit) =>
          fetch(
            (input instanceof Request ? input.url : String(input)).replace(
              'https://rest.fal.ai',
              emu.storageUrl,
            ),
            init,
          ),
      });
      const bytes = expectedBytes(91 * MiB);
      const url = await fal.storage.upload(new Blob([bytes], { type: 'video/mp4' }));
      expect(emu.faults.callsTo('storage.multipart')).toHaveLength(1);
      expect(emu.faults.callsTo('storage.part')).toHaveLength(10);
      const back = new Uint8Array(await (await fetch(url)).arrayBuffer());
      expect(sha(back)).toBe(sha(bytes));
    } finally {
      await emu.close();
    }
  });
});

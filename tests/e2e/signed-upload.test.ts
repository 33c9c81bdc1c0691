import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const run = promisify(execFile);

/** A file on the agent's own disk: upload_file hands out the slot, the real curl sends the bytes. */
describe('upload_file for a file on the caller’s disk', () => {
  let h: Harness;
  let client: TestClient;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness();
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'disk-id:disk-secret' },
    });
    dir = mkdtempSync(join(tmpdir(), 'fal-mcp-upload-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await client.close();
    await h.close();
  });

  it('returns an upload URL, the file URL and a curl command that works as given', async () => {
    const bytes = randomBytes(50_000);
    writeFileSync(join(dir, 'my photo.png'), bytes);
    const r = await client.callTool('upload_file', { file_name: 'my photo.png' });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as {
      url: string;
      upload_url: string;
      upload_command: string;
      content_type: string;
      size?: number;
    };
    expect(out.content_type).toBe('image/png');
    expect(out.size).toBeUndefined();
    expect(out.upload_command).toBe(
      `curl -fsS -T 'my photo.png' -H 'content-type: image/png' '${out.upload_url}'`,
    );
    expect(textOf(r)).toContain(out.upload_command);
    // The signed URL says when it stops working (X-Amz-Date + X-Amz-Expires), and so does the answer.
    const expires = (r.structuredContent as { expires_at?: string }).expires_at ?? '';
    expect(Date.parse(expires) - Date.now()).toBeGreaterThan(3_500_000);
    expect(textOf(r)).toContain(`the upload URL works until ${expires}`);
    // Nothing was uploaded by the server itself.
    expect(h.emulator.faults.callsTo('storage.upload')).toHaveLength(0);

    // The command as an agent would run it, in the file's folder, with the real curl.
    await run('bash', ['-c', out.upload_command], { cwd: dir });
    expect(h.emulator.state.uploadHeaders.at(-1)?.['content-length']).toBe('50000');
    const back = await fetch(out.url);
    expect(back.status).toBe(200);
    expect(back.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await back.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('above 90 MiB with size given, hands out a multipart script that sends 10 MiB parts and completes', async () => {
    const size = 95 * 1024 * 1024 + 5;
    const bytes = randomBytes(size);
    writeFileSync(join(dir, 'long take.mp4'), bytes);
    const r = await client.callTool('upload_file', { file_name: 'long take.mp4', size });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as { url: string; upload_command: string };
    expect(textOf(r)).toMatch(/Send the file in 10 MiB parts .*the upload URL works until/);
    expect(h.emulator.faults.callsTo('storage.multipart')).toHaveLength(1);
    await run('bash', ['-c', out.upload_command], { cwd: dir, maxBuffer: 1024 * 1024 });
    expect(h.emulator.faults.callsTo('storage.part')).toHaveLength(10);
    const back = Buffer.from(await (await fetch(out.url)).arrayBuffer());
    expect(back.equals(bytes)).toBe(true);
    expect([...h.emulator.state.files.values()].at(-1)?.parts).toBe(10);
  });

  it('a file without a size gets one PUT, and is told how to send one above 90 MiB', async () => {
    const r = await client.callTool('upload_file', { file_name: 'clip.mp4' });
    expect(textOf(r)).toMatch(/above 90 MiB, call again with size for a multipart upload/);
  });

  it('never hands out an upload URL outside fal (a forged storage answer cannot collect the file)', async () => {
    h.emulator.inject('storage.initiate', {
      status: 200,
      times: 1,
      body: { upload_url: 'https://evil.example/put?sig=1', file_url: 'https://v3b.fal.media/files/x.png' },
    });
    const r = await client.callTool('upload_file', { file_name: 'secret.png' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/upload URL outside fal's own hosts; not handing it out/);
    expect(JSON.stringify(r)).not.toContain('evil.example');
  });

  it('asks for what it needs: a file name, and a type it cannot infer', async () => {
    const none = await client.callTool('upload_file', {});
    expect(none.isError).toBe(true);
    expect(textOf(none)).toMatch(/Give url .*, data_base64 .*, or file_name/);
    const odd = await client.callTool('upload_file', { file_name: 'notes.weird' });
    expect(odd.isError).toBe(true);
    expect(textOf(odd)).toMatch(/Give content_type .* could not be inferred from notes\.weird/);
    const given = await client.callTool('upload_file', {
      file_name: 'notes.weird',
      content_type: 'text/plain',
    });
    expect(given.isError).toBeFalsy();
  });
});

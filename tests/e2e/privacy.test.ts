import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const KEY = 'privacy-id:privacy-secret';
type Job = { request_id: string; status: string; media: { url: string }[] };
const jobOf = (r: { structuredContent?: unknown }) => r.structuredContent as Job;

describe('privacy on every run: store_payload and expiration_seconds reach fal', () => {
  let h: Harness;
  let client: TestClient;
  beforeAll(async () => {
    h = await startHarness();
    h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  it('run_model with store_payload false and expiration_seconds sends both headers, and the result says what fal keeps', async () => {
    h.emulator.faults.calls.length = 0;
    const r = await client.callTool('run_model', {
      model: 'flux_schnell',
      input: { prompt: 'a secret garden' },
      store_payload: false,
      expiration_seconds: 3600,
    });
    expect(r.isError).toBeFalsy();
    const [submit] = h.emulator.faults.callsTo('queue.submit');
    expect(submit?.headers['x-fal-store-io']).toBe('0');
    expect(JSON.parse(submit?.headers['x-fal-object-lifecycle-preference'] ?? '{}')).toEqual({
      expiration_duration_seconds: 3600,
    });
    const job = h.emulator.state.requestLog.at(-1);
    expect(job?.storeIo).toBe(false);
    expect(textOf(r)).toMatch(/fal stores no inputs or outputs of this run \(store_payload false\)/);
    expect(textOf(r)).toMatch(/The media files expire at 20\d\d-.*\(expiration_seconds\)/);
    // fal's history lists it without its payload: no prompt to show, and a search cannot find it.
    const listed = (await client.callTool('list_jobs', {})).structuredContent as {
      jobs: { request_id: string; prompt?: string }[];
    };
    const mine = listed.jobs.find((j) => j.request_id === jobOf(r).request_id);
    expect(mine).toBeDefined();
    expect(mine?.prompt).toBeUndefined();
    const searched = (await client.callTool('list_jobs', { query: 'secret garden' })).structuredContent as {
      jobs: unknown[];
    };
    expect(searched.jobs).toEqual([]);
    // Once the lifetime ends, fal's CDN stops serving the files.
    if (job) job.mediaExpiresAt = Date.now() - 1;
    expect((await fetch(jobOf(r).media[0]?.url ?? '')).status).toBe(404);
  });

  it('a media tool passes them through too; a run without them sends neither', async () => {
    h.emulator.faults.calls.length = 0;
    const r = await client.callTool('generate_image', {
      prompt: 'a lake',
      store_payload: false,
      wait_seconds: 0,
    });
    expect(r.isError).toBeFalsy();
    await client.callTool('run_model', { model: 'flux_schnell', input: { prompt: 'ordinary' } });
    const [media, plain] = h.emulator.faults.callsTo('queue.submit');
    expect(media?.headers['x-fal-store-io']).toBe('0');
    expect(media?.headers['x-fal-object-lifecycle-preference']).toBeUndefined();
    expect(plain?.headers['x-fal-store-io']).toBeUndefined();
    expect(plain?.headers['x-fal-object-lifecycle-preference']).toBeUndefined();
    // Pending when handed back: the caller is told to fetch it within fal's short retention.
    expect(textOf(r)).toMatch(
      /it keeps the result only 1 h after it ends \(6 min when 10 KB or more\)\. Call check_job before then/,
    );
  });

  it('fal keeps a stored result for 30 days but an unstored one 1 h; the unstored one is gone unless seen in time', async () => {
    const stored = jobOf(
      await client.callTool('submit_job', { model: 'flux_schnell', input: { prompt: 'kept' } }),
    );
    const unstored = jobOf(
      await client.callTool('submit_job', {
        model: 'flux_schnell',
        input: { prompt: 'not kept' },
        store_payload: false,
      }),
    );
    for (const id of [stored.request_id, unstored.request_id]) {
      const job = h.emulator.state.jobs.get(id);
      if (job) job.submittedAt -= 2 * 3600_000;
    }
    const kept = await client.callTool('check_job', { request_id: stored.request_id });
    expect(jobOf(kept).status).toBe('COMPLETED');
    const lost = await client.callTool('check_job', { request_id: unstored.request_id });
    expect(lost.isError).toBe(true);
    expect(textOf(lost)).toMatch(/has expired at fal/);
  });

  it('one idempotency key cannot stand for the same input kept and not kept', async () => {
    const first = await client.callTool('run_model', {
      model: 'flux_schnell',
      input: { prompt: 'same' },
      idempotency_key: 'privacy-key-1',
    });
    expect(first.isError).toBeFalsy();
    const second = await client.callTool('run_model', {
      model: 'flux_schnell',
      input: { prompt: 'same' },
      idempotency_key: 'privacy-key-1',
      store_payload: false,
    });
    expect(second.isError).toBe(true);
    expect(textOf(second)).toMatch(/idempotency_key "privacy-key-1" .*different/);
  });

  it('upload_file expiration_seconds reaches fal storage; the file stops being served when it ends', async () => {
    h.emulator.faults.calls.length = 0;
    const r = await client.callTool('upload_file', {
      data_base64: Buffer.from('short-lived').toString('base64'),
      content_type: 'text/plain',
      file_name: 'brief.txt',
      expiration_seconds: 120,
    });
    expect(r.isError).toBeFalsy();
    const [initiate] = h.emulator.faults.callsTo('storage.initiate');
    expect(JSON.parse(initiate?.headers['x-fal-object-lifecycle'] ?? '{}')).toEqual({
      expiration_duration_seconds: 120,
    });
    const { url, expires_at } = r.structuredContent as { url: string; expires_at?: string };
    expect(expires_at).toMatch(/^20\d\d-/);
    expect(textOf(r)).toMatch(/fal deletes it at 20/);
    expect((await fetch(url)).status).toBe(200);
    const token = new URL(url).pathname.split('/')[3] ?? '';
    const file = h.emulator.state.files.get(token);
    if (file) file.expiresAt = Date.now() - 1;
    expect((await fetch(url)).status).toBe(404);
  });

  it('refuses a lifetime fal does not offer before anything is sent', async () => {
    const before = h.emulator.faults.callsTo('queue.submit').length;
    const r = await client.callTool('run_model', {
      model: 'flux_schnell',
      input: { prompt: 'x' },
      expiration_seconds: 5,
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/expiration_seconds/);
    expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(before);
  });
});

describe("privacy defaults are the operator's: FAL_STORE_PAYLOADS and FAL_MEDIA_EXPIRATION_SECONDS", () => {
  it('apply to runs that say nothing, and a caller may still choose', async () => {
    const h = await startHarness({
      env: { FAL_STORE_PAYLOADS: 'false', FAL_MEDIA_EXPIRATION_SECONDS: '600' },
    });
    try {
      h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': KEY },
      });
      await client.callTool('run_model', { model: 'flux_schnell', input: { prompt: 'default' } });
      await client.callTool('run_model', {
        model: 'flux_schnell',
        input: { prompt: 'chosen' },
        store_payload: true,
      });
      const [silent, chosen] = h.emulator.faults.callsTo('queue.submit');
      expect(silent?.headers['x-fal-store-io']).toBe('0');
      expect(JSON.parse(silent?.headers['x-fal-object-lifecycle-preference'] ?? '{}')).toEqual({
        expiration_duration_seconds: 600,
      });
      expect(chosen?.headers['x-fal-store-io']).toBeUndefined();
      await client.close();
    } finally {
      await h.close();
    }
  });
});

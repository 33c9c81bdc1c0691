import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const ADMIN = 'payload-admin-id:payload-secret';

describe('delete_payloads', () => {
  let h: Harness;
  const clientWith = (headers: Record<string, string>) =>
    connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch, headers });
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const finishedJob = async (client: TestClient) => {
    const run = await client.callTool('run_model', { model: 'flux_schnell', input: { prompt: 'private' } });
    const out = run.structuredContent as { request_id: string; status: string; media: { url: string }[] };
    expect(out.status).toBe('COMPLETED');
    expect(out.media.length).toBeGreaterThan(0);
    return out;
  };

  it('deletes the files at fal with an admin key, says which, and the kept result is gone here too', async () => {
    const admin = await clientWith({ 'X-Fal-Key': ADMIN });
    const job = await finishedJob(admin);
    const deleted = await admin.callTool('delete_payloads', { request_id: job.request_id, confirm: true });
    expect(deleted.isError).toBeFalsy();
    expect(deleted.structuredContent).toMatchObject({
      request_id: job.request_id,
      deleted: job.media.map((m) => m.url),
      failed: [],
    });
    // Its files stop being served at once.
    expect((await fetch(job.media[0]?.url ?? '')).status).toBe(404);
    expect(textOf(deleted)).toMatch(/deleted 1 file\(s\) at fal[\s\S]*not deleted by this/);
    expect(h.emulator.state.payloadDeletions.at(-1)).toEqual({
      requestId: job.request_id,
      idempotencyKey: `delete-payloads-${job.request_id}`,
    });
    // Asked again (a retry after a lost answer): fal has nothing left, and says so plainly.
    const again = await admin.callTool('delete_payloads', { request_id: job.request_id, confirm: true });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toMatch(/^fal has no stored payloads for request .* already deleted/);
    // check_job no longer hands out the links kept from before.
    const after = await admin.callTool('check_job', { request_id: job.request_id });
    expect(JSON.stringify(after)).not.toContain(job.media[0]?.url);
    await admin.close();
  });

  it('an ordinary key is told it needs an admin key; nothing is deleted', async () => {
    const plain = await clientWith({ 'X-Fal-Key': 'payload-plain-id:secret' });
    const job = await finishedJob(plain);
    const before = h.emulator.state.payloadDeletions.length;
    const r = await plain.callTool('delete_payloads', { request_id: job.request_id, confirm: true });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/^fal refused delete_payloads \(HTTP 403\): it needs an ADMIN key/);
    expect(h.emulator.state.payloadDeletions).toHaveLength(before);
    expect(h.emulator.state.jobs.has(job.request_id)).toBe(true);
    await plain.close();
  });

  it('asks for confirm: true before anything is sent', async () => {
    const admin = await clientWith({ 'X-Fal-Key': ADMIN });
    const job = await finishedJob(admin);
    for (const args of [{ request_id: job.request_id }, { request_id: job.request_id, confirm: false }]) {
      const r = await admin
        .callTool('delete_payloads', args)
        .catch((e: Error) => ({ isError: true, content: [{ type: 'text', text: e.message }] }));
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/confirm/);
    }
    expect(
      h.emulator.faults.callsTo('payloads.delete').filter((c) => c.path.includes(job.request_id)),
    ).toHaveLength(0);
    await admin.close();
  });
});

describe('delete_payloads in bulk', () => {
  let h: Harness;
  let admin: TestClient;
  const run = async (prompt: string) => {
    const r = await admin.callTool('run_model', { model: 'flux_schnell', input: { prompt } });
    return r.structuredContent as { request_id: string; status: string; media: { url: string }[] };
  };
  type Bulk = { deleted: string[]; results: { request_id: string; outcome: string; reason?: string }[] };
  beforeAll(async () => {
    h = await startHarness();
    h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
    admin = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'bulk-admin-id:s' },
    });
  });
  afterAll(async () => {
    await admin.close();
    await h.close();
  });

  it('deletes 3 requests in one call, reports each, and a second call finds them already gone', async () => {
    const jobs = [await run('one'), await run('two'), await run('three')];
    const ids = jobs.map((j) => j.request_id);
    const r = await admin.callTool('delete_payloads', { request_ids: ids, confirm: true });
    expect(r.isError).toBeFalsy();
    const bulk = r.structuredContent as Bulk;
    expect(bulk.results.map((x) => [x.request_id, x.outcome])).toEqual(ids.map((id) => [id, 'deleted']));
    expect(bulk.deleted.sort()).toEqual(jobs.flatMap((j) => j.media.map((m) => m.url)).sort());
    expect(textOf(r)).toMatch(/^Deleted 3 job\(s\) \(3 file\(s\)\); already gone 0; refused 0; failed 0\./);
    for (const job of jobs) expect((await fetch(job.media[0]?.url ?? '')).status).toBe(404);
    expect(h.emulator.faults.callsTo('payloads.delete')).toHaveLength(3);
    // list_jobs still lists them, marked, with no links to files that are gone.
    const listed = (await admin.callTool('list_jobs', {})).structuredContent as {
      jobs: { request_id: string; payloads_deleted?: boolean; media: unknown[] }[];
    };
    for (const id of ids) {
      expect(listed.jobs.find((j) => j.request_id === id)).toMatchObject({
        payloads_deleted: true,
        media: [],
      });
    }
    const again = await admin.callTool('delete_payloads', { request_ids: ids, confirm: true });
    expect(again.isError).toBeFalsy();
    expect((again.structuredContent as Bulk).results.map((x) => x.outcome)).toEqual([
      'already_gone',
      'already_gone',
      'already_gone',
    ]);
  });

  it('since: lists your jobs in the window first, deletes the finished ones, refuses running ones, says uploads stay', async () => {
    const done = await run('window job');
    h.emulator.state.setTiming('fal-ai/flux/dev', { queueMs: 60_000, runMs: 10 });
    const running = await admin.callTool('submit_job', {
      model: 'flux_dev',
      input: { prompt: 'still going' },
    });
    const runningId = (running.structuredContent as { request_id: string }).request_id;
    const upload = await admin.callTool('upload_file', {
      data_base64: Buffer.from('hello').toString('base64'),
      content_type: 'text/plain',
      file_name: 'note.txt',
      expiration_seconds: 3600,
    });
    expect(upload.isError).toBeFalsy();
    const r = await admin.callTool('delete_payloads', { since: '1h', confirm: true });
    expect(r.isError).toBeFalsy();
    const text = textOf(r);
    expect(text).toMatch(/^Your jobs since .*: \d+\./);
    const bulk = r.structuredContent as Bulk;
    expect(bulk.results.find((x) => x.request_id === done.request_id)?.outcome).toBe('deleted');
    expect(bulk.results.find((x) => x.request_id === runningId)).toMatchObject({
      outcome: 'refused',
      reason: expect.stringMatching(/still queued: cancel it \(cancel_job\)/),
    });
    expect(text).toMatch(
      /1 file\(s\) you uploaded here in that window stay: fal offers no way to delete uploads\. .*note\.txt \(expires 20/,
    );
    await admin.callTool('cancel_job', { request_id: runningId });
  });

  it('refuses a call that names no jobs, or two ways at once, before anything is sent', async () => {
    const before = h.emulator.faults.callsTo('payloads.delete').length;
    for (const args of [{ confirm: true }, { request_id: 'req-1', since: '1h', confirm: true }]) {
      const r = await admin.callTool('delete_payloads', args);
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/Give exactly one of request_id, request_ids \(up to 50\) or since/);
    }
    const tooMany = await admin.callTool('delete_payloads', {
      request_ids: Array.from({ length: 51 }, (_, i) => `req-${i}`),
      confirm: true,
    });
    expect(tooMany.isError).toBe(true);
    expect(h.emulator.faults.callsTo('payloads.delete')).toHaveLength(before);
  });
});

describe('delete_payloads on an operator key', () => {
  const A = 'access-token-alice-0123456789abcdefghij';
  const B = 'access-token-bobby-0123456789abcdefghij';
  it("one access token cannot delete another's job, though both run on the operator's account", async () => {
    const h = await startHarness({
      env: { FAL_KEY: 'operator-admin-id:operator-secret', MCP_AUTH_TOKENS: `${A},${B}` },
    });
    try {
      const alice = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { Authorization: `Bearer ${A}` },
      });
      const bob = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { Authorization: `Bearer ${B}` },
      });
      const run = await alice.callTool('run_model', { model: 'flux_schnell', input: { prompt: 'alice' } });
      const requestId = (run.structuredContent as { request_id: string }).request_id;
      const refused = await bob.callTool('delete_payloads', { request_id: requestId, confirm: true });
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toMatch(/not among the jobs this access token started here/);
      expect(h.emulator.faults.callsTo('payloads.delete')).toHaveLength(0);
      const own = await alice.callTool('delete_payloads', { request_id: requestId, confirm: true });
      expect(own.isError).toBeFalsy();
      await Promise.all([alice.close(), bob.close()]);
    } finally {
      await h.close();
    }
  });
});

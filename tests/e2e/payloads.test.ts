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
    expect(deleted.structuredContent).toEqual({
      request_id: job.request_id,
      deleted: job.media.map((m) => m.url),
      failed: [],
    });
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

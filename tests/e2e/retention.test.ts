import { generateKeyPairSync } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDelivery } from '../emulator/webhooks.js';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const KEY = 'keep-id:keep-secret';
// fal keeps results 1 h (6 min when ≥ 10 KB); the emulator forgets them in 300 ms here.
const EMULATOR = { retention: { smallMs: 300, largeMs: 300, largeBytes: 10 * 1024 }, webhookRetryMs: 50 };

type Job = { request_id: string; status: string; media: { url: string }[]; error?: string };
const jobOf = (r: { structuredContent?: unknown }) => r.structuredContent as Job;

describe("results outlive fal's retention: with fal's webhook (PUBLIC_URL set)", () => {
  let h: Harness;
  let client: TestClient;
  beforeAll(async () => {
    h = await startHarness({ publicUrl: true, emulator: EMULATOR });
    client = await connectModern({ url: await h.listen(), headers: { 'X-Fal-Key': KEY } });
    h.emulator.state.setTiming('fal-ai/flux/dev', { queueMs: 20, runMs: 40 });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  const deliveredOk = (requestId: string) =>
    h.emulator.state.webhooks.find((w) => w.requestId === requestId)?.statuses.includes(200) ?? false;
  const forgottenAtFal = (requestId: string) => !h.emulator.state.jobs.has(requestId) || undefined;
  const waitUntilFalForgets = async (requestId: string) => {
    // fal's clock moves on past its retention: nothing is waited for.
    h.emulator.state.advance(400);
    // A status call makes the emulator drop what it no longer keeps; done directly, not through the server.
    await fetch(`${h.emulator.queueUrl}/fal-ai/flux/requests/${requestId}/status`, {
      headers: { authorization: `Key ${KEY}` },
    });
    expect(forgottenAtFal(requestId)).toBe(true);
  };

  it('a job submitted with submit_job and checked after fal forgot it still returns its media', async () => {
    const submitted = jobOf(
      await client.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'keep me' } }),
    );
    const submit = h.emulator.faults.callsTo('queue.submit').at(-1);
    // Each submit has its own webhook URL: a token fal hands back, nobody else knows.
    expect(decodeURIComponent(submit?.query ?? '')).toMatch(
      new RegExp(`fal_webhook=${h.config.publicUrl}/webhooks/fal/[A-Za-z0-9_-]{32}$`),
    );
    await expect.poll(() => deliveredOk(submitted.request_id), { timeout: 5000 }).toBe(true);
    await waitUntilFalForgets(submitted.request_id);

    const calls = h.emulator.faults.calls.length;
    const late = jobOf(await client.callTool('check_job', { request_id: submitted.request_id }));
    expect(late).toMatchObject({ status: 'COMPLETED', request_id: submitted.request_id });
    expect(late.media[0]?.url).toMatch(/\/cdn\//);
    // Answered from what was kept: fal was not asked.
    expect(h.emulator.faults.calls.length).toBe(calls);
  });

  it("a model's failure delivered by webhook is kept as FAILED with its error", async () => {
    h.emulator.state.setTiming('fal-ai/fast-sdxl', {
      queueMs: 10,
      runMs: 10,
      modelError: {
        status: 422,
        body: { detail: [{ loc: ['body', 'prompt'], msg: 'too spicy', type: 'value_error' }] },
      },
    });
    const submitted = jobOf(
      await client.callTool('submit_job', { model: 'fal-ai/fast-sdxl', input: { prompt: 'x' } }),
    );
    await expect.poll(() => deliveredOk(submitted.request_id), { timeout: 5000 }).toBe(true);
    // fal's clock moves on past its retention: nothing is waited for.
    h.emulator.state.advance(400);
    const late = jobOf(await client.callTool('check_job', { request_id: submitted.request_id }));
    expect(late).toMatchObject({ status: 'FAILED' });
    expect(late.error).toMatch(/prompt: too spicy/);
  });

  it("a request fal retried is kept: its delivery is signed with the last try's id (gateway_request_id)", async () => {
    h.emulator.state.setTiming('fal-ai/flux/krea', { queueMs: 10, runMs: 10, retried: true });
    const submitted = jobOf(
      await client.callTool('submit_job', { model: 'fal-ai/flux/krea', input: { prompt: 'again' } }),
    );
    await expect.poll(() => deliveredOk(submitted.request_id), { timeout: 5000 }).toBe(true);
    await waitUntilFalForgets(submitted.request_id);
    const late = jobOf(await client.callTool('check_job', { request_id: submitted.request_id }));
    expect(late).toMatchObject({ status: 'COMPLETED', request_id: submitted.request_id });
    expect(late.media.length).toBeGreaterThan(0);
  });

  it('a failure whose details fal could not deliver is kept as FAILED with the payload error', async () => {
    h.emulator.state.setTiming('fal-ai/flux-lora', {
      queueMs: 10,
      runMs: 10,
      fail: { error: 'Internal error', error_type: 'internal_error' },
      payloadError: 'Payload too large to serialize',
    });
    const submitted = jobOf(
      await client.callTool('submit_job', { model: 'fal-ai/flux-lora', input: { prompt: 'x' } }),
    );
    await expect.poll(() => deliveredOk(submitted.request_id), { timeout: 5000 }).toBe(true);
    const calls = h.emulator.faults.calls.length;
    const late = jobOf(await client.callTool('check_job', { request_id: submitted.request_id }));
    // Answered from what the webhook kept: fal was not asked.
    expect(h.emulator.faults.calls.length).toBe(calls);
    expect(late.status).toBe('FAILED');
    expect(late.error).toMatch(
      /Internal error \(fal could not deliver its details: Payload too large to serialize\)/,
    );
  });

  it('a success delivered without its output is not kept as anything: the result comes from fal', async () => {
    h.emulator.state.setTiming('fal-ai/flux/srpo', {
      queueMs: 10,
      runMs: 10,
      payloadError: 'Payload too large',
    });
    const submitted = jobOf(
      await client.callTool('submit_job', { model: 'fal-ai/flux/srpo', input: { prompt: 'x' } }),
    );
    await expect.poll(() => deliveredOk(submitted.request_id), { timeout: 5000 }).toBe(true);
    const results = h.emulator.faults.callsTo('queue.result').length;
    const done = jobOf(await client.callTool('check_job', { request_id: submitted.request_id }));
    expect(done.status).toBe('COMPLETED');
    expect(done.media.length).toBeGreaterThan(0);
    expect(h.emulator.faults.callsTo('queue.result').length).toBe(results + 1);
  });

  describe('the receiver stores nothing it cannot verify', () => {
    let requestId = '';
    let webhookUrl = '';
    beforeAll(async () => {
      // A job still queued at fal, submitted here: only a genuine delivery may complete it.
      h.emulator.state.setTiming('fal-ai/flux/schnell', { queueMs: 60_000, runMs: 10 });
      requestId = jobOf(
        await client.callTool('submit_job', { model: 'fal-ai/flux/schnell', input: { prompt: 'x' } }),
      ).request_id;
      webhookUrl = h.emulator.state.jobs.get(requestId)?.webhook ?? '';
      expect(webhookUrl).toContain('/webhooks/fal/');
    });
    const body = () =>
      JSON.stringify({
        request_id: requestId,
        status: 'OK',
        payload: { images: [{ url: 'https://evil.example/forged.png', content_type: 'image/png' }] },
      });
    const post = (headers: Record<string, string>, payload = body()) =>
      fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: payload,
      });
    const stillQueued = async () =>
      jobOf(await client.callTool('check_job', { request_id: requestId })).status;

    it('unsigned: 401', async () => {
      const r = await post({});
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ reason: 'unsigned' });
      expect(await stillQueued()).toBe('IN_QUEUE');
    });

    it('signed with a key that is not in fal’s JWKS: 401', async () => {
      const other = generateKeyPairSync('ed25519');
      const signed = signDelivery({ signingKey: other } as never, body(), { requestId });
      const r = await post(signed.headers, signed.body);
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ reason: 'forged' });
      expect(await stillQueued()).toBe('IN_QUEUE');
    });

    it('a genuine signature over another body: 401', async () => {
      const signed = h.emulator.signWebhook(body(), { requestId });
      const tampered = body().replace('forged.png', 'swapped.png');
      const r = await post(signed.headers, tampered);
      expect(r.status).toBe(401);
      expect(await stillQueued()).toBe('IN_QUEUE');
    });

    it('stale (signed 10 minutes ago, replayed now): 401', async () => {
      const signed = h.emulator.signWebhook(body(), {
        requestId,
        timestamp: Math.floor(Date.now() / 1000) - 600,
      });
      const r = await post(signed.headers, signed.body);
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ reason: 'stale' });
      expect(await stillQueued()).toBe('IN_QUEUE');
    });

    it('genuine, for a request this server never submitted: 404, nothing kept', async () => {
      const unknown = JSON.stringify({ request_id: 'req-not-ours-123', status: 'OK', payload: {} });
      const signed = h.emulator.signWebhook(unknown, { requestId: 'req-not-ours-123' });
      const r = await post(signed.headers, signed.body);
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ error: 'unknown_request' });
    });

    it("genuine, on this tenant's token, for another tenant's request: 404, that job untouched", async () => {
      const other = await connectModern({
        url: await h.listen(),
        headers: { 'X-Fal-Key': 'them-id:them-secret' },
      });
      const theirs = jobOf(
        await other.callTool('submit_job', { model: 'fal-ai/flux/schnell', input: { prompt: 'theirs' } }),
      ).request_id;
      const forged = JSON.stringify({ request_id: theirs, status: 'OK', payload: { images: [] } });
      const signed = h.emulator.signWebhook(forged, { requestId: theirs });
      const r = await post(signed.headers, signed.body);
      expect(r.status).toBe(404);
      expect(jobOf(await other.callTool('check_job', { request_id: theirs })).status).toBe('IN_QUEUE');
      await other.close();
    });

    it('a token this server never issued: 404, before the body is read', async () => {
      const { port } = new URL(h.config.publicUrl ?? '');
      const signed = h.emulator.signWebhook(body(), { requestId });
      const head = [
        `POST /webhooks/fal/${'A'.repeat(32)} HTTP/1.1`,
        `host: 127.0.0.1:${port}`,
        ...Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}`),
        `content-length: ${16 * 1024 * 1024}`,
        '',
        '',
      ].join('\r\n');
      // Only the headers are sent: a server that waited for the 16 MiB body would never answer.
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(head));
        let text = '';
        socket.on('data', (d) => {
          text += d.toString();
          if (text.includes('\r\n\r\n')) {
            socket.destroy();
            resolve(text);
          }
        });
        socket.on('error', reject);
        setTimeout(() => reject(new Error('no answer without the body')), 5_000).unref();
      });
      expect(answer).toMatch(/^HTTP\/1\.1 404/);
      expect(answer.toLowerCase()).toContain('connection: close');
    });

    it('genuine headers for one request, a body naming another: 400', async () => {
      const signed = h.emulator.signWebhook(body(), { requestId: 'req-other-456' });
      const r = await post(signed.headers, signed.body);
      expect(r.status).toBe(400);
      expect(await stillQueued()).toBe('IN_QUEUE');
    });
  });
});

describe("results outlive fal's retention: without webhooks", () => {
  let h: Harness;
  let client: TestClient;
  const RETAIN_MS = 1_000;
  beforeAll(async () => {
    // Payload storage off: fal keeps results only briefly, and its history holds no copy to fall back on.
    h = await startHarness({
      env: { FAL_STORE_PAYLOADS: 'false' },
      emulator: { retention: { smallMs: RETAIN_MS, largeMs: RETAIN_MS, largeBytes: 10 * 1024 } },
    });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
    h.emulator.state.setTiming('fal-ai/flux/dev', { queueMs: 20, runMs: 40 });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  it('the first call that sees a job completed keeps it: a late check_job answers from it', async () => {
    const done = jobOf(await client.callTool('run_model', { model: 'flux_dev', input: { prompt: 'once' } }));
    expect(done.status).toBe('COMPLETED');
    h.emulator.state.advance(RETAIN_MS + 200);
    const calls = h.emulator.faults.calls.length;
    const late = jobOf(await client.callTool('check_job', { request_id: done.request_id }));
    expect(late).toMatchObject({ status: 'COMPLETED', media: done.media });
    expect(h.emulator.faults.calls.length).toBe(calls);
    // The kept result belongs to the tenant that made it.
    const other = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'other-id:other-secret' },
    });
    const stolen = await other.callTool('check_job', { model: 'flux_dev', request_id: done.request_id });
    expect(stolen.isError).toBe(true);
    expect(textOf(stolen)).not.toContain(done.media[0]?.url ?? 'nothing');
    await other.close();
  });

  it('a result fal forgot before anyone saw it is reported as expired, with the retention rule', async () => {
    const submitted = jobOf(
      await client.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'lost' } }),
    );
    h.emulator.state.advance(RETAIN_MS + 200);
    const late = await client.callTool('check_job', { request_id: submitted.request_id });
    expect(late.isError).toBe(true);
    expect(textOf(late)).toMatch(
      /fal-ai\/flux\/dev request req-[\w-]+ \(submitted 0 min ago\) has expired at fal: fal keeps a result for the account's payload storage period \(30 days by default\) when payload storage is on, and only 1 hour \(6 minutes when it is 10 KB or larger\) when it is off, and this server had not seen it finish/,
    );
    expect(textOf(late)).not.toMatch(/does not know this model/);
  });
});

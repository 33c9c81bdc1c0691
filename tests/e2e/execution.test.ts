import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLIENTS, connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { structuredOf, type ToolName } from '../helpers/structured.js';

const KEY = 'runner-id:runner-secret';
const SLOW = 'fal-ai/kling-video/v2.1/master/text-to-video';

describe.each(['modern', 'legacy'] as const)('running models (%s client)', (era) => {
  let h: Harness;
  let client: TestClient;
  const call = async <N extends ToolName>(name: N, args: Record<string, unknown>, c: TestClient = client) => {
    const r = await c.callTool(name, args);
    return { ...r, data: structuredOf(name, r), text: textOf(r) };
  };
  const submits = () => h.emulator.faults.callsTo('queue.submit');

  beforeAll(async () => {
    h = await startHarness({ env: (emu) => ({ FETCH_ALLOW_HOSTS: new URL(emu.origin).host }) });
    client = await CLIENTS[era]({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
    h.emulator.state.setTiming('*', { queueMs: 20, runMs: 40, queuePosition: 0 });
    h.emulator.state.setTiming(SLOW, { queueMs: 1500, runMs: 1500, queuePosition: 3 });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });
  beforeEach(() => h.emulator.faults.clear());

  it('a fast job returns its result and media links in one call', async () => {
    const r = await call('run_model', {
      model: 'flux_dev',
      input: { prompt: 'a lighthouse at dusk', num_images: 2 },
    });
    expect(r.isError).toBeFalsy();
    expect(r.data).toMatchObject({ model: 'fal-ai/flux/dev', status: 'COMPLETED' });
    expect(r.data.result?.images).toHaveLength(2);
    expect(r.data.media).toHaveLength(2);
    expect(r.data.media[0]).toMatchObject({
      field: 'images[0]',
      kind: 'image',
      mime_type: 'image/png',
      width: 1024,
    });
    const links = r.content.filter((c) => c.type === 'resource_link');
    expect(links).toHaveLength(2);
    expect(links[0]).toMatchObject({ mimeType: 'image/png', uri: r.data.media[0]?.url });
    expect(r.text).toMatch(/^fal-ai\/flux\/dev request \S+ completed/);
    expect(r.text).toContain(r.data.media[0]?.url);
    expect(submits()).toHaveLength(1);
    expect(submits()[0]?.key).toBe(KEY);
  });

  it('a slow job returns a handle, and check_job later returns the result', async () => {
    const r = await call('run_model', { model: SLOW, input: { prompt: 'waves' }, wait_seconds: 1 });
    expect(r.isError).toBeFalsy();
    expect(['IN_QUEUE', 'IN_PROGRESS']).toContain(r.data.status);
    expect(r.data.next).toEqual({
      tool: 'check_job',
      arguments: { model: SLOW, request_id: r.data.request_id },
    });
    expect(r.text).toMatch(/Next: call check_job with/);

    const done = await call('check_job', { request_id: r.data.request_id, wait_seconds: 8 });
    expect(done.data.status).toBe('COMPLETED');
    expect(done.data.media[0]).toMatchObject({ field: 'video', kind: 'video', mime_type: 'video/mp4' });
  });

  it('sends progress while waiting: the first carries the request id, then at least every 5 s', async () => {
    const events: { at: number; message?: string | undefined; progress: number }[] = [];
    const started = Date.now();
    const r = await client.callTool(
      'run_model',
      { model: SLOW, input: { prompt: 'sunrise' }, wait_seconds: 10 },
      (p) => events.push({ at: Date.now(), message: p.message, progress: p.progress }),
    );
    const data = structuredOf('run_model', r);
    expect(data.status).toBe('COMPLETED');
    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events[0]?.message).toContain(data.request_id);
    expect(events.some((e) => /position \d/.test(e.message ?? ''))).toBe(true);
    const gaps = events.map((e, i) => e.at - (events[i - 1]?.at ?? started));
    expect(Math.max(...gaps)).toBeLessThan(5_000);
    // How the wait went is not part of the job.
    expect(r.structuredContent).not.toHaveProperty('polls');
    // One status stream for the whole wait, no polls.
    const mine = (route: 'queue.stream' | 'queue.status') =>
      h.emulator.faults.callsTo(route).filter((c) => c.path.includes(data.request_id));
    expect(mine('queue.stream')).toHaveLength(1);
    expect(mine('queue.status')).toHaveLength(0);
  });

  it("polls when fal's status stream is unavailable, never more than once a second", async () => {
    h.emulator.inject('queue.stream', { status: 503, times: 1 });
    const events: number[] = [];
    const started = Date.now();
    const r = await client.callTool(
      'run_model',
      { model: SLOW, input: { prompt: 'sunset' }, wait_seconds: 10 },
      () => events.push(Date.now()),
    );
    const data = structuredOf('run_model', r);
    expect(data.status).toBe('COMPLETED');
    const gaps = events.map((at, i) => at - (events[i - 1] ?? started));
    expect(Math.max(...gaps)).toBeLessThan(5_000);
    const polls = h.emulator.faults
      .callsTo('queue.status')
      .filter((c) => c.path.includes(data.request_id))
      .map((c) => c.at);
    expect(polls.length).toBeGreaterThan(1);
    for (let i = 1; i < polls.length; i++)
      expect((polls[i] as number) - (polls[i - 1] as number)).toBeGreaterThanOrEqual(950);
  });

  it('refuses inputs that do not fit the schema, naming each field, without calling fal', async () => {
    const r = await call('run_model', {
      model: 'flux_dev',
      input: { num_images: 'two', output_format: 'gif', promt: 'typo' },
    });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/- prompt: is required/);
    expect(r.text).toMatch(/- num_images: expected a number, got a string/);
    expect(r.text).toMatch(/- output_format: expected one of "jpeg", "png", got "gif"/);
    expect(r.text).toMatch(/- promt: is not an input of this model \(did you mean "prompt"\?\)/);
    expect(submits()).toHaveLength(0);
  });

  it("one estimate everywhere: the caller's unit price × what this input implies, before anything is submitted", async () => {
    // flux/dev: $0.025 per megapixel, 1024×768 by default (1 MP as fal counts them).
    const one = await call('submit_job', { model: 'flux_dev', input: { prompt: 'x' }, max_cost_usd: 0.05 });
    expect(one.isError).toBeFalsy();
    expect(one.data.estimated_cost_usd).toBe(0.025);
    expect(one.data.cost_basis).toBe(
      "1 image(s) × 1 MP (1024×768) × $0.025 per megapixel; fal's typical past call: $0.1",
    );
    expect(one.text).toContain(
      "Estimated cost: $0.025 (1 image(s) × 1 MP (1024×768) × $0.025 per megapixel; fal's typical past call: $0.1).",
    );
    // Four images are four times that: over the cap, refused with the same figure, and models that fit.
    const four = await call('run_model', {
      model: 'flux_dev',
      input: { prompt: 'x', num_images: 4 },
      max_cost_usd: 0.05,
    });
    expect(four.isError).toBe(true);
    expect(four.text).toContain(
      'Not submitted: fal-ai/flux/dev for this input is estimated at $0.1 (4 image(s) × 1 MP (1024×768) × $0.025 per megapixel), above max_cost_usd of $0.05.',
    );
    expect(four.text).toMatch(
      /whose estimate for this input fits: fal-ai\/flux\/schnell \(\$0\.012: 4 image\(s\)/,
    );
    expect(submits()).toHaveLength(1);
    // check_job shows the figure the job was submitted with.
    const checked = await call('check_job', { request_id: one.data.request_id });
    expect(checked.data.estimated_cost_usd).toBe(0.025);
    // estimate_cost with the same input gives the same figure.
    const planned = await call('estimate_cost', {
      items: [{ model: 'flux_dev', quantity: 1, input: { prompt: 'x' } }],
    });
    expect(planned.data.total_cost).toBe(0.025);
  });

  it('an idempotent resubmit gives one upstream submit, also when concurrent', async () => {
    const args = { model: 'flux_schnell', input: { prompt: 'same' }, idempotency_key: `idem-${era}` };
    const [a, b] = await Promise.all([call('submit_job', args), call('submit_job', args)]);
    const c = await call('run_model', args);
    expect(a.data.request_id).toBe(b.data.request_id);
    expect(c.data.request_id).toBe(a.data.request_id);
    expect(c.data.status).toBe('COMPLETED');
    expect(submits()).toHaveLength(1);
    const other = await call('submit_job', { ...args, input: { prompt: 'different' } });
    expect(other.isError).toBe(true);
    expect(other.text).toMatch(/already used for a different request/);
  });

  it('cancels in each state and says which', async () => {
    const queued = await call('submit_job', { model: SLOW, input: { prompt: 'cancel me' } });
    const cancelled = await call('cancel_job', { request_id: queued.data.request_id });
    expect(cancelled.data.outcome).toBe('cancelled');
    const after = await call('check_job', { request_id: queued.data.request_id, wait_seconds: 2 });
    expect(after.data.status).toBe('CANCELLED');

    const fast = await call('run_model', { model: 'flux_schnell', input: { prompt: 'done' } });
    const late = await call('cancel_job', { request_id: fast.data.request_id });
    expect(late.data.outcome).toBe('already_completed');

    const unknown = await call('cancel_job', { model: 'flux_dev', request_id: 'req-999999-deadbeef' });
    expect(unknown.data.outcome).toBe('not_found');
  });

  it("reports fal's failure with its error type", async () => {
    h.emulator.state.setTiming('fal-ai/fast-sdxl', {
      queueMs: 10,
      runMs: 10,
      fail: { error: 'NSFW content detected', error_type: 'content_policy_violation', status: 422 },
    });
    const r = await call('run_model', { model: 'sdxl', input: { prompt: 'x' } });
    expect(r.data).toMatchObject({
      status: 'FAILED',
      error: 'NSFW content detected',
      error_type: 'content_policy_violation',
    });
    expect(r.text).toMatch(/failed \(content_policy_violation\): NSFW content detected/);
  });

  it('refuses crafted ids before anything reaches fal', async () => {
    for (const request_id of ['../x', 'https://evil.example/x', 'a/b']) {
      const r = await call('check_job', { model: 'flux_dev', request_id });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/request_id must be the id fal returned/);
    }
    const badModel = await call('cancel_job', { model: 'fal-ai/../../admin', request_id: 'req-1' });
    expect(badModel.isError).toBe(true);
    expect(h.emulator.faults.calls.filter((c) => c.route.startsWith('queue'))).toHaveLength(0);
  });

  it("two tenants cannot read or cancel each other's jobs", async () => {
    const mine = await call('submit_job', { model: SLOW, input: { prompt: 'private' } });
    const other = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'intruder-id:intruder-secret' },
    });
    const noModel = await call('check_job', { request_id: mine.data.request_id }, other);
    expect(noModel.isError).toBe(true);
    expect(noModel.text).toMatch(/not among this key's recent jobs/);
    const read = await call('check_job', { model: SLOW, request_id: mine.data.request_id }, other);
    expect(read.isError).toBe(true);
    expect(read.text).toMatch(
      /fal does not know .* request .* for this key: the request id, the model or the key may be wrong, or the result has expired/,
    );
    const cancel = await call('cancel_job', { model: SLOW, request_id: mine.data.request_id }, other);
    expect(cancel.data.outcome).toBe('not_found');
    await other.close();
    const still = await call('check_job', { request_id: mine.data.request_id });
    expect(still.data.status).not.toBe('CANCELLED');
  });
});

describe('upload_file', () => {
  let h: Harness;
  let client: TestClient;
  beforeAll(async () => {
    h = await startHarness({
      env: (emu) => ({ FETCH_ALLOW_HOSTS: new URL(emu.origin).host, UPLOAD_MAX_BYTES: '100000' }),
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
  });
  beforeEach(() => h.emulator.faults.clear());

  it('uploads base64 data through initiate + PUT and returns a fetchable URL', async () => {
    const bytes = Buffer.from('hello fal');
    const r = await client.callTool('upload_file', {
      data_base64: bytes.toString('base64'),
      content_type: 'text/plain',
      file_name: 'hello.txt',
    });
    const data = structuredOf('upload_file', r);
    expect(data).toMatchObject({ content_type: 'text/plain', file_name: 'hello.txt', size: 9 });
    expect(Buffer.from(await (await fetch(data.url)).arrayBuffer()).toString()).toBe('hello fal');
    expect(h.emulator.faults.callsTo('storage.initiate')[0]?.key).toBe(KEY);
    // The signed upload URL gets the bytes, never the key.
    expect(h.emulator.faults.callsTo('storage.upload')[0]?.key).toBeNull();
    expect(r.content.find((c) => c.type === 'resource_link')).toMatchObject({
      uri: data.url,
      mimeType: 'text/plain',
    });
  });

  it('copies a public URL', async () => {
    const r = await client.callTool('upload_file', { url: `${h.emulator.origin}/cdn/x/small-photo.png` });
    expect(r.structuredContent).toMatchObject({ content_type: 'image/png', file_name: 'small-photo.png' });
    // The bytes went through: the emulator's CDN kept the 64×48 PNG it was sent.
    const stored = [...h.emulator.state.files.values()].at(-1);
    expect(stored?.contentType).toBe('image/png');
    expect(
      Buffer.from(stored?.bytes ?? [])
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
  });

  it.each([
    ['http://127.0.0.1:1/secret', /127\.0\.0\.1 is a private or reserved address/],
    ['http://10.0.0.1/', /10\.0\.0\.1 is a private or reserved address/],
    ['http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a private or reserved address/],
    ['http://[::1]:8080/', /::1 is a private or reserved address/],
    ['http://localhost:1/', /localhost resolves to a private or reserved address/],
    ['file:///etc/passwd', /only http and https URLs are allowed, not file/],
    ['http://user:pass@example.com/', /credentials/],
  ])('refuses %s', async (url, message) => {
    const r = await client.callTool('upload_file', { url, content_type: 'image/png' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(message);
    expect(h.emulator.faults.callsTo('storage.initiate')).toHaveLength(0);
  });

  it('re-checks every redirect', async () => {
    const url = `${h.emulator.origin}/_emulator/redirect?to=${encodeURIComponent('http://127.0.0.1:1/internal')}`;
    const r = await client.callTool('upload_file', { url, content_type: 'image/png' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/127\.0\.0\.1 is a private or reserved address/);
  });

  it('refuses files over the size cap and malformed base64', async () => {
    const big = await client.callTool('upload_file', {
      data_base64: Buffer.alloc(200_000).toString('base64'),
      content_type: 'image/png',
    });
    expect(textOf(big)).toMatch(/limit is 100000/);
    const bad = await client.callTool('upload_file', {
      data_base64: 'not base64 !!',
      content_type: 'image/png',
    });
    expect(textOf(bad)).toMatch(/not valid base64/);
    const both = await client.callTool('upload_file', {
      url: 'https://example.com/a.png',
      data_base64: 'aGk=',
      content_type: 'image/png',
    });
    expect(textOf(both)).toMatch(/Give one of url or data_base64, not both/);
    const neither = await client.callTool('upload_file', {});
    expect(textOf(neither)).toMatch(/Give url .*, data_base64 .*, or file_name/);
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const KEY = 'billing-id:billing-secret';
const MODEL = 'fal-ai/flux/dev';

/** One tool call never creates more than one job at fal, whatever the network does. */
describe('one call never bills twice', () => {
  let h: Harness;
  let client: TestClient;
  const jobsAtFal = () => [...h.emulator.state.jobs.values()].filter((j) => j.key === KEY).length;
  const submit = (args: Record<string, unknown> = {}) =>
    client.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'a fox' }, ...args });

  beforeAll(async () => {
    h = await startHarness({ env: { UPSTREAM_TIMEOUT_MS: '500', RATE_LIMIT_PER_MINUTE: '0' } });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
    await h.services.registry.catalogue();
    // Warm the schema cache, so the only fal calls a submit makes are to the queue.
    await client.callTool('get_model_schema', { model: MODEL });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });
  beforeEach(() => {
    h.emulator.faults.clear();
    h.emulator.state.jobs.clear();
  });

  it('a submit whose connection is reset after fal accepted it is not sent again, and says it may be running', async () => {
    h.emulator.inject('queue.submit', { resetAfterHandling: true, times: 1 });
    const r = await submit();
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(
      /The submit to fal-ai\/flux\/dev was cut off after it was sent \(could not reach fal \(connection failed\)\), so whether fal accepted it is unknown: it may be running at fal, and billing\. Nothing was submitted again\./,
    );
    expect(textOf(r)).toMatch(/pass idempotency_key to make retries safe/);
    expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(1);
    expect(jobsAtFal()).toBe(1);
  });

  it('with an idempotency_key, a retry after a reset submits nothing and says the first may be running', async () => {
    h.emulator.inject('queue.submit', { resetAfterHandling: true, times: 1 });
    const first = await submit({ idempotency_key: 'reset-1' });
    expect(textOf(first)).toMatch(/A retry with idempotency_key "reset-1" will not submit it again/);
    const retries = await Promise.all([1, 2, 3].map(() => submit({ idempotency_key: 'reset-1' })));
    for (const retry of retries) {
      expect(retry.isError).toBe(true);
      expect(textOf(retry)).toMatch(
        /idempotency_key "reset-1": its first submit to fal-ai\/flux\/dev \(.+\) was cut off after it was sent, so whether fal accepted it is unknown: it may be running at fal, and billing\. Nothing new was submitted\..*call again with a new idempotency_key/,
      );
    }
    expect(jobsAtFal()).toBe(1);
    // A new key runs it anyway.
    expect((await submit({ idempotency_key: 'reset-2' })).isError).toBeFalsy();
    expect(jobsAtFal()).toBe(2);
  });

  it('a submit that times out after being sent holds its idempotency_key: the retry does not bill again', async () => {
    // fal takes the job after the client stopped waiting for the answer.
    h.emulator.inject('queue.submit', { delayMs: 900, times: 1 });
    const first = await submit({ idempotency_key: 'slow-1' });
    expect(textOf(first)).toMatch(/cut off after it was sent \(fal did not answer in time\)/);
    await expect.poll(jobsAtFal, { timeout: 3000 }).toBe(1);
    const retry = await submit({ idempotency_key: 'slow-1' });
    expect(textOf(retry)).toMatch(/its first submit .* was cut off after it was sent/);
    expect(jobsAtFal()).toBe(1);
    expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(1);
  });

  it('a client that goes away mid-submit: the submit is seen through and recorded, its retry returns the same job', async () => {
    h.emulator.inject('queue.submit', { delayMs: 300, times: 1 });
    const controller = new AbortController();
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: {
        name: 'submit_job',
        arguments: { model: 'flux_dev', input: { prompt: 'a fox' }, idempotency_key: 'gone-1' },
      },
    });
    const call = h.inProcessFetch(IN_PROCESS_URL, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
        'x-fal-key': KEY,
      },
      body,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await call.then((r) => r.text()).catch(() => undefined);
    await expect.poll(jobsAtFal, { timeout: 3000 }).toBe(1);
    await expect
      .poll(async () => textOf(await submit({ idempotency_key: 'gone-1' })), { timeout: 3000 })
      .toMatch(/Same idempotency_key as request .*: returning that job, nothing was submitted again/);
    expect(jobsAtFal()).toBe(1);
  });

  it('two concurrent calls with one idempotency_key but different work: the second is refused, not joined', async () => {
    h.emulator.inject('queue.submit', { delayMs: 200, times: 1 });
    const submitsAtFal = () => h.emulator.faults.callsTo('queue.submit').length;
    const before = submitsAtFal();
    const first = submit({ idempotency_key: 'same-key', input: { prompt: 'a fox' } });
    // The second call starts once the first has reached fal (its key is held while fal answers).
    await vi.waitFor(() => expect(submitsAtFal()).toBe(before + 1), { interval: 5, timeout: 5_000 });
    const [a, b] = await Promise.all([
      first,
      submit({ idempotency_key: 'same-key', input: { prompt: 'a wolf' } }),
    ]);
    expect(a.isError).toBeFalsy();
    expect(b.isError).toBe(true);
    expect(textOf(b)).toMatch(
      /idempotency_key "same-key" is in use right now by a call for different work \(fal-ai\/flux\/dev\); nothing was submitted/,
    );
    expect(jobsAtFal()).toBe(1);
    // The same work under the key joins the first job.
    const again = await submit({ idempotency_key: 'same-key', input: { prompt: 'a fox' } });
    expect((again.structuredContent as { request_id: string }).request_id).toBe(
      (a.structuredContent as { request_id: string }).request_id,
    );
  });

  it('a 429 asking for more time than the call has fails at once with the retry hint, without a retry', async () => {
    h.emulator.inject('queue.submit', { status: 429, retryAfter: 30 });
    const r = await client.callTool('run_model', {
      model: 'flux_dev',
      input: { prompt: 'x' },
      wait_seconds: 5,
    });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/fal is rate limiting this key \(HTTP 429\)\. Retry after 30 seconds/);
    expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(1);
    expect(jobsAtFal()).toBe(0);
  });

  it('a 429 with a short Retry-After inside the wait is retried, and submits once', async () => {
    h.emulator.inject('queue.submit', { status: 429, retryAfter: 1, times: 1 });
    const r = await client.callTool('run_model', {
      model: 'flux_dev',
      input: { prompt: 'x' },
      wait_seconds: 5,
    });
    expect(r.structuredContent).toMatchObject({ status: 'COMPLETED' });
    expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(2);
    expect(jobsAtFal()).toBe(1);
  });
});

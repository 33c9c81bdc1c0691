import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { authorizationCode, TEST_OAUTH_SECRET } from '../helpers/oauth.js';
import { REDIS_SERVER, type RunningRedis, startRedis, warnIfNoRedis } from '../helpers/redis.js';
import { structuredOf, type ToolName } from '../helpers/structured.js';

warnIfNoRedis('scale-out');
const KEY = 'scale-id:scale-secret';
const OTHER_KEY = 'other-id:other-secret';
const BASE = new URL(IN_PROCESS_URL).origin;

type Mode = 'one instance, state in memory' | 'two instances sharing one Redis';

/**
 * "Two instances behind one URL": separate processes' worth of state, one Redis,
 * one fal. With no Redis the pair is one instance twice, so the same suite states
 * what a single machine promises and checks that two machines keep it.
 */
async function startPair(
  mode: Mode,
  redis: RunningRedis | undefined,
  emulator: RunningEmulator,
  env: Record<string, string> = {},
) {
  const options = {
    sharedEmulator: emulator,
    env: {
      ...(redis ? { REDIS_URL: redis.url, TASKS_SECRET: TEST_OAUTH_SECRET } : {}),
      OAUTH_SECRET: TEST_OAUTH_SECRET,
      ...env,
    },
  };
  const a = await startHarness(options);
  // The first machine crawls; the second starts after it, as a scaled-out machine would.
  await a.services.registry.catalogue();
  const b = mode === 'one instance, state in memory' ? a : await startHarness(options);
  const connect = (h: Harness, key = KEY) =>
    connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch, headers: { 'X-Fal-Key': key } });
  const clientA = await connect(a);
  const clientB = await connect(b);
  return {
    a,
    b,
    clientA,
    clientB,
    connect,
    async close() {
      await Promise.all([clientA.close(), clientB.close()]);
      await a.close();
      if (b !== a) await b.close();
    },
  };
}

async function call<N extends ToolName>(client: TestClient, name: N, args: Record<string, unknown>) {
  const r = await client.callTool(name, args);
  return { ...r, data: structuredOf(name, r), text: textOf(r) };
}

/** POST /token with an authorization-code exchange on one instance. */
const exchangeCode = (h: Harness, exchange: Record<string, string>) =>
  h.inProcessFetch(`${BASE}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(exchange),
  });

const ready = async (h: Harness) =>
  (await h.inProcessFetch(`${BASE}/ready`)).json() as Promise<{
    status: string;
    store: { kind: string; state: string; last_error: string | null };
  }>;

const MODES: [Mode, boolean][] = [
  ['one instance, state in memory', true],
  ['two instances sharing one Redis', REDIS_SERVER !== undefined],
];

describe.each(MODES)('%s: the promises one machine keeps', (mode, available) => {
  let redis: RunningRedis | undefined;
  let emulator: RunningEmulator;
  let pair: Awaited<ReturnType<typeof startPair>>;
  const submits = () => emulator.faults.callsTo('queue.submit');
  const crawls = () => emulator.faults.callsTo('models').filter((c) => !c.query.includes('cursor=')).length;

  beforeAll(async () => {
    if (!available) return;
    if (mode === 'two instances sharing one Redis') redis = await startRedis();
    emulator = await startEmulator();
    emulator.state.setTiming('*', { queueMs: 20, runMs: 40, queuePosition: 0 });
    pair = await startPair(mode, redis, emulator);
  });
  afterAll(async () => {
    if (!available) return;
    await pair.close();
    await emulator.close();
    await redis?.stop();
  });
  beforeEach(() => emulator.faults.clear());

  it.runIf(available)(
    'the second instance starts from the first one’s catalogue: one crawl between them',
    async () => {
      // (With one instance, "both" are the same registry and its one crawl.)
      const listed = await call(pair.clientB, 'list_models', { category: 'text-to-image', limit: 3 });
      expect(listed.isError).toBeFalsy();
      expect(pair.a.services.registry.status()).toMatchObject({ crawls: 1, models: 1207 });
      expect(pair.b.services.registry.status()).toMatchObject({
        crawls: pair.b === pair.a ? 1 : 0,
        models: 1207,
        source: 'live',
      });
      expect(crawls()).toBe(0);
      expect(await ready(pair.b)).toMatchObject({
        status: 'ready',
        store: { kind: redis ? 'redis' : 'memory', state: 'ok', last_error: null },
      });
    },
  );

  it.runIf(available)(
    "list_jobs on either instance shows the tenant's jobs from the shared index (fal's history closed to the key)",
    async () => {
      const key = 'scale-nohistory-id:secret';
      const [onA, onB] = [await pair.connect(pair.a, key), await pair.connect(pair.b, key)];
      const first = await call(onA, 'submit_job', { model: 'flux_schnell', input: { prompt: 'from a' } });
      const second = await call(onB, 'submit_job', { model: 'flux_schnell', input: { prompt: 'from b' } });
      for (const client of [onA, onB]) {
        const listed = await call(client, 'list_jobs', {});
        expect(listed.data.jobs.map((j) => j.request_id)).toEqual([
          second.data.request_id,
          first.data.request_id,
        ]);
        expect(listed.text).toMatch(/fal did not let this key read its request history/);
      }
      await Promise.all([onA.close(), onB.close()]);
    },
  );

  it.runIf(available)(
    'an idempotent resubmit through the second instance returns the first job: one upstream submit',
    async () => {
      const args = { model: 'flux_schnell', input: { prompt: 'one lighthouse' }, idempotency_key: 'retry-1' };
      const first = await call(pair.clientA, 'submit_job', args);
      const again = await call(pair.clientB, 'submit_job', args);
      expect(again.data.request_id).toBe(first.data.request_id);
      expect(again.data.notes.join(' ')).toMatch(/Same idempotency_key .* nothing was submitted again/);
      expect(submits()).toHaveLength(1);
      const misuse = await call(pair.clientB, 'submit_job', { ...args, input: { prompt: 'other work' } });
      expect(misuse.isError).toBe(true);
      expect(misuse.text).toMatch(/already used for a different request/);
      expect(submits()).toHaveLength(1);
    },
  );

  it.runIf(available)('concurrent retries through both instances still make one submit', async () => {
    emulator.state.setTiming('fal-ai/flux/schnell', { queueMs: 20, runMs: 40, queuePosition: 0 });
    const args = { model: 'flux_schnell', input: { prompt: 'raced' }, idempotency_key: 'race-1' };
    const results = await Promise.all([
      call(pair.clientA, 'submit_job', args),
      call(pair.clientB, 'submit_job', args),
      call(pair.clientA, 'submit_job', args),
      call(pair.clientB, 'submit_job', args),
    ]);
    expect(new Set(results.map((r) => r.data.request_id)).size).toBe(1);
    expect(submits()).toHaveLength(1);
  });

  it.runIf(available)(
    'a job submitted through one instance is checked and cancelled through the other, by id alone',
    async () => {
      const submitted = await call(pair.clientA, 'submit_job', { model: 'flux_dev', input: { prompt: 'x' } });
      const checked = await call(pair.clientB, 'check_job', {
        request_id: submitted.data.request_id,
        wait_seconds: 5,
      });
      expect(checked.isError).toBeFalsy();
      expect(checked.data).toMatchObject({ model: 'fal-ai/flux/dev', status: 'COMPLETED' });
      const cancelled = await call(pair.clientB, 'cancel_job', { request_id: submitted.data.request_id });
      expect(cancelled.data.outcome).toBe('already_completed');
      // Job records are per tenant on every instance.
      const stranger = await pair.connect(pair.b, OTHER_KEY);
      const refused = await call(stranger, 'check_job', { request_id: submitted.data.request_id });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/not among this key's recent jobs/);
      await stranger.close();
    },
  );

  it.runIf(available)(
    'a result kept by one instance answers on the other after fal has forgotten it',
    async () => {
      const done = await call(pair.clientA, 'run_model', { model: 'flux_dev', input: { prompt: 'kept' } });
      expect(done.data.status).toBe('COMPLETED');
      const retention = emulator.state.retention;
      emulator.state.retention = { smallMs: 0, largeMs: 0, largeBytes: 10 * 1024 };
      try {
        const calls = emulator.faults.calls.length;
        const late = await call(pair.clientB, 'check_job', { request_id: done.data.request_id });
        expect(late.data).toMatchObject({ status: 'COMPLETED', media: done.data.media });
        expect(emulator.faults.calls.length).toBe(calls);
      } finally {
        emulator.state.retention = retention;
      }
    },
  );

  it.runIf(available)('an authorization code exchanged on one instance is refused on the other', async () => {
    const { exchange } = await authorizationCode(pair.a.inProcessFetch, BASE, KEY);
    const token = (h: Harness) => exchangeCode(h, exchange);
    expect((await token(pair.a)).status).toBe(200);
    const replay = await token(pair.b);
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: expect.stringMatching(/already used/),
    });
  });

  it.runIf(available)('a tenant’s rate limit holds across both instances', async () => {
    const limited = await startPair(mode, redis, emulator, {
      RATE_LIMIT_PER_MINUTE: '6',
      RATE_LIMIT_BURST: '4',
      RATE_LIMIT_IP_BURST: '1000',
    });
    try {
      // Connecting took requests from the bucket on each side; use a fresh tenant for the count.
      const post = (h: Harness, key: string) =>
        h.inProcessFetch(IN_PROCESS_URL, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'x-fal-key': key,
            'mcp-protocol-version': '2025-11-25',
          },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
        });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++)
        statuses.push((await post(i % 2 ? limited.b : limited.a, 'rl-id:rl-secret')).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      // One instance alone would have allowed 4 more: the bucket is shared, not per machine.
      const other = await post(limited.b, 'rl-other:rl-secret');
      expect(other.status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});

describe.runIf(REDIS_SERVER)('when Redis goes away mid-run', () => {
  let redis: RunningRedis;
  let emulator: RunningEmulator;
  let pair: Awaited<ReturnType<typeof startPair>>;
  const submits = () => emulator.faults.callsTo('queue.submit');

  beforeAll(async () => {
    redis = await startRedis();
    emulator = await startEmulator();
    emulator.state.setTiming('*', { queueMs: 20, runMs: 40, queuePosition: 0 });
    pair = await startPair('two instances sharing one Redis', redis, emulator, {
      RATE_LIMIT_PER_MINUTE: '600',
      RATE_LIMIT_BURST: '100',
      METRICS_ENABLED: 'true',
    });
    await redis.stop();
  });
  afterAll(async () => {
    await pair.close();
    await emulator.close();
    await redis.stop();
  });
  beforeEach(() => emulator.faults.clear());

  it('stays ready, says the store is unreachable on /ready and in the log', async () => {
    // Any command notices; a discovery call makes one (the rate limit).
    await call(pair.clientA, 'list_models', { limit: 1 });
    const body = await ready(pair.a);
    expect(body).toMatchObject({ status: 'ready', store: { kind: 'redis', state: 'unreachable' } });
    expect(body.store.last_error).toEqual(expect.any(String));
    const warnings = pair.a
      .logRecords()
      .filter((l) => l.msg === 'shared store unreachable; features fall back as documented');
    expect(warnings).toHaveLength(1);
    const metrics = await (await pair.a.inProcessFetch(`${BASE}/metrics`)).text();
    expect(metrics).toMatch(/^fal_mcp_shared_store_up\{kind="redis"\} 0$/m);
  });

  it('fails open: discovery, plain submits and this machine’s job records keep working', async () => {
    const listed = await call(pair.clientA, 'list_models', { limit: 2 });
    expect(listed.isError).toBeFalsy();
    const submitted = await call(pair.clientA, 'submit_job', { model: 'flux_dev', input: { prompt: 'y' } });
    expect(submitted.isError).toBeFalsy();
    const checked = await call(pair.clientA, 'check_job', {
      request_id: submitted.data.request_id,
      wait_seconds: 5,
    });
    expect(checked.data.status).toBe('COMPLETED');
    // The other machine cannot see the record now: fal's request history names the model.
    const elsewhere = await call(pair.clientB, 'check_job', { request_id: submitted.data.request_id });
    expect(elsewhere.data.status).toBe('COMPLETED');
    const withModel = await call(pair.clientB, 'check_job', {
      request_id: submitted.data.request_id,
      model: 'flux_dev',
    });
    expect(withModel.data.status).toBe('COMPLETED');
  });

  it('fails closed: an idempotency key is refused (nothing submitted) and sign-in codes are not exchanged', async () => {
    const keyed = await call(pair.clientB, 'submit_job', {
      model: 'flux_dev',
      input: { prompt: 'z' },
      idempotency_key: 'during-outage',
    });
    expect(keyed.isError).toBe(true);
    expect(keyed.text).toMatch(/idempotency_key cannot be honoured right now/);
    expect(submits()).toHaveLength(0);

    const { exchange } = await authorizationCode(pair.a.inProcessFetch, BASE, KEY);
    const res = await exchangeCode(pair.a, exchange);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });

  it('recovers by itself when Redis is back', async () => {
    await redis.start();
    expect(await pair.a.store.whenReady(5000)).toBe(true);
    expect(await pair.b.store.whenReady(5000)).toBe(true);
    const args = { model: 'flux_dev', input: { prompt: 'after' }, idempotency_key: 'after-outage' };
    const first = await call(pair.clientA, 'submit_job', args);
    const again = await call(pair.clientB, 'submit_job', args);
    expect(again.data.request_id).toBe(first.data.request_id);
    expect(submits()).toHaveLength(1);
    expect(await ready(pair.a)).toMatchObject({ store: { state: 'ok', last_error: null } });
    expect(pair.a.logRecords().some((l) => l.msg === 'shared store reachable again')).toBe(true);
  });
});

describe.skipIf(!REDIS_SERVER)("fal's webhook reaches another machine than the one that submitted", () => {
  it('the token issued on machine A opens on machine B (shared Redis), and the outcome is kept for the tenant', async () => {
    const redis = await startRedis();
    const env = { REDIS_URL: redis.url, TASKS_SECRET: TEST_OAUTH_SECRET };
    const a = await startHarness({ publicUrl: true, env });
    const b = await startHarness({ publicUrl: true, sharedEmulator: a.emulator, env });
    try {
      a.emulator.state.setTiming('fal-ai/flux/schnell', { queueMs: 60_000, runMs: 10 });
      const clientA = await connectModern({ url: await a.listen(), headers: { 'X-Fal-Key': KEY } });
      const job = structuredOf(
        'submit_job',
        await clientA.callTool('submit_job', { model: 'fal-ai/flux/schnell', input: { prompt: 'x' } }),
      );
      const tokenUrl = new URL(a.emulator.state.jobs.get(job.request_id)?.webhook ?? '');
      // The load balancer sends fal's delivery to machine B.
      const onB = `${b.config.publicUrl}${tokenUrl.pathname}`;
      const body = JSON.stringify({
        request_id: job.request_id,
        gateway_request_id: job.request_id,
        status: 'OK',
        payload: { images: [{ url: 'https://v3.fal.media/files/kept.png', content_type: 'image/png' }] },
      });
      const signed = a.emulator.signWebhook(body, { requestId: job.request_id });
      const delivered = await fetch(onB, { method: 'POST', headers: signed.headers, body: signed.body });
      expect(delivered.status).toBe(200);
      const checked = await clientA.callTool('check_job', { request_id: job.request_id });
      expect(structuredOf('check_job', checked).media[0]?.url).toBe('https://v3.fal.media/files/kept.png');
      await clientA.close();
    } finally {
      await b.close();
      await a.close();
      await redis.stop();
    }
  });
});

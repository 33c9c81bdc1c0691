import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fault, RouteName } from '../emulator/faults.js';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

// Each case runs on a key of its own: a 401 from fal marks that key refused for a while (as it should).
const keyFor = (tool: string, fault: string) =>
  `fault-admin-${tool}-${fault.replace(/\W+/g, '-')}:fault-secret`;

/** Each upstream fault the emulator can inject, with the message a tool must give and the fallback reason. */
const FAULTS: { name: string; fault: Fault; message: RegExp; reason: string }[] = [
  {
    name: '401',
    fault: { status: 401 },
    message: /fal refused the key \(HTTP 401\)/,
    reason: 'API error (HTTP 401)',
  },
  {
    name: '403',
    fault: { status: 403 },
    message: /fal refused the key \(HTTP 403\)/,
    reason: 'API error (HTTP 403)',
  },
  {
    name: '404',
    fault: { status: 404 },
    message: /does not know this model or request \(HTTP 404\)/,
    reason: 'API error (HTTP 404)',
  },
  {
    name: '422',
    fault: { status: 422 },
    message: /fal rejected the input \(HTTP 422\)/,
    reason: 'API error (HTTP 422)',
  },
  {
    name: '429 + Retry-After',
    fault: { status: 429, retryAfter: 7 },
    message: /fal is rate limiting this key \(HTTP 429\)\. Retry after 7 seconds/,
    reason: 'API error (HTTP 429)',
  },
  {
    name: '500',
    fault: { status: 500 },
    message: /fal is unavailable right now \(HTTP 500\)/,
    reason: 'API error (HTTP 500)',
  },
  {
    name: '502',
    fault: { status: 502 },
    message: /fal is unavailable right now \(HTTP 502\)/,
    reason: 'API error (HTTP 502)',
  },
  {
    name: '503',
    fault: { status: 503 },
    message: /fal is unavailable right now \(HTTP 503\)/,
    reason: 'API error (HTTP 503)',
  },
  {
    name: 'timeout',
    fault: { delayMs: 1_500 },
    message: /fal is unavailable right now: fal did not answer in time/,
    reason: 'API timeout',
  },
  {
    name: 'connection reset',
    fault: { drop: true },
    message: /could not reach fal \(connection failed\)/,
    reason: 'Connection error',
  },
  {
    name: 'malformed JSON',
    fault: { malformed: true },
    message:
      /fal answered in an unexpected way \(HTTP 200\): fal answered with a body that is not valid JSON/,
    reason: 'Unexpected response: fal answered with a body that is not valid JSON',
  },
];

interface ToolCase {
  tool: string;
  route: RouteName;
  args: (jobId: string) => Record<string, unknown>;
  /** Needs a job of the case's own key to act on. */
  needsJob?: boolean;
  /** The tool answers from the local index instead of failing. */
  fallback?: boolean;
  /** Some faults have a defined non-error meaning for a tool. */
  special?: Record<
    string,
    (r: { data: Record<string, unknown>; text: string; isError?: boolean | undefined }) => void
  >;
}

type Special = NonNullable<ToolCase['special']>;
/** A submit cut off after it was sent may have been accepted: the tool says so instead of "unavailable". */
const cutOff = (why: RegExp) => (r: { text: string; isError?: boolean | undefined }) => {
  expect(r.isError).toBe(true);
  expect(r.text).toMatch(/was cut off after it was sent/);
  expect(r.text).toMatch(why);
  expect(r.text).toMatch(/it may be running at fal, and billing\. Nothing was submitted again/);
};
const CUT_OFF: Special = {
  timeout: cutOff(/fal did not answer in time/),
  'connection reset': cutOff(/could not reach fal \(connection failed\)/),
};

describe('fault matrix: every upstream fault × every tool that calls upstream', () => {
  let h: Harness;

  const CASES: ToolCase[] = [
    { tool: 'search_models', route: 'models', args: () => ({ query: 'whisper' }), fallback: true },
    { tool: 'recommend_model', route: 'models', args: () => ({ task: 'transcribe speech' }), fallback: true },
    { tool: 'get_model_schema', route: 'models', args: () => ({ model: 'fal-ai/lyria2' }) },
    { tool: 'get_pricing', route: 'pricing', args: () => ({ models: ['fal-ai/ltx-video'] }) },
    {
      tool: 'estimate_cost',
      route: 'estimate',
      args: () => ({ items: [{ model: 'flux_dev', quantity: 2 }] }),
    },
    {
      tool: 'get_usage',
      route: 'usage',
      args: () => ({}),
      special: {
        '401': (r) => expect(r.text).toMatch(/needs an ADMIN key/),
        '403': (r) => expect(r.text).toMatch(/needs an ADMIN key/),
      },
    },
    {
      tool: 'run_model',
      route: 'queue.submit',
      args: () => ({ model: 'flux_dev', input: { prompt: 'x' } }),
      special: CUT_OFF,
    },
    { tool: 'generate_image', route: 'queue.submit', args: () => ({ prompt: 'x' }), special: CUT_OFF },
    {
      tool: 'submit_job',
      route: 'queue.submit',
      args: () => ({ model: 'flux_dev', input: { prompt: 'x' } }),
      special: CUT_OFF,
    },
    {
      tool: 'check_job',
      route: 'queue.status',
      args: (jobId) => ({ request_id: jobId }),
      needsJob: true,
      // The request is this tenant's own: fal not knowing it means it expired there.
      special: {
        '404': (r) =>
          expect(r.text).toMatch(
            /has expired at fal: fal keeps a result for the account's payload storage period/,
          ),
      },
    },
    {
      tool: 'cancel_job',
      route: 'queue.cancel',
      args: (jobId) => ({ request_id: jobId }),
      needsJob: true,
      special: { '404': (r) => expect(r.data.outcome).toBe('not_found') },
    },
    {
      tool: 'upload_file',
      route: 'storage.initiate',
      args: () => ({ data_base64: Buffer.from('x').toString('base64'), content_type: 'text/plain' }),
    },
  ];

  beforeAll(async () => {
    h = await startHarness({
      env: {
        UPSTREAM_RETRIES: '0',
        UPSTREAM_TIMEOUT_MS: '500',
        BREAKER_FAILURE_THRESHOLD: '1000',
        RATE_LIMIT_PER_MINUTE: '0',
      },
    });
    h.emulator.state.setTiming('*', { queueMs: 60_000, runMs: 1000 });
    // Warm what is shared, so each fault hits only the route under test.
    const warm = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
    await warm.callTool('get_model_schema', { model: 'fal-ai/flux/dev' });
    await warm.close();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(() => h.emulator.faults.clear());

  for (const c of CASES) {
    it.each(FAULTS.map((f) => [f.name, f] as const))(`${c.tool} under %s`, async (name, f) => {
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': keyFor(c.tool, name) },
      });
      const job = c.needsJob
        ? ((await client.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'warm' } }))
            .structuredContent as { request_id: string })
        : undefined;
      h.emulator.inject(c.route, f.fault);
      const r = await client.callTool(c.tool, c.args(job?.request_id ?? ''));
      await client.close();
      const data = (r.structuredContent ?? {}) as Record<string, unknown>;
      const text = textOf(r);
      expect(h.emulator.faults.callsTo(c.route).length).toBeGreaterThan(0);
      if (c.special?.[name]) c.special[name]({ data, text, isError: r.isError });
      else if (c.fallback) {
        expect(r.isError).toBeFalsy();
        expect(data).toMatchObject({ source: 'local', used_fallback: true, fallback_reason: f.reason });
      } else {
        expect(r.isError).toBe(true);
        expect(text).toMatch(f.message);
      }
      // Nothing crashed: the server still answers.
      expect((await h.app.request('/health')).status).toBe(200);
    });
  }
});

describe('the catalogue crawl under faults', () => {
  it('a truncated page mid-crawl publishes nothing partial: the fallback list answers, and says why', async () => {
    const h = await startHarness({ env: { UPSTREAM_RETRIES: '0' } });
    try {
      h.emulator.inject('models', {
        status: 200,
        after: 3,
        times: 1,
        body: {
          models: [{ endpoint_id: 'fal-ai/flux/dev' }],
          next_cursor: 'Mw==',
          has_more: true,
          truncated: '…',
        },
      });
      h.emulator.inject('models', { malformed: true, after: 4, times: 1 });
      const client = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
      const r = await client.callTool('list_models', { category: 'image' });
      await client.close();
      expect(r.structuredContent).toMatchObject({
        used_fallback: true,
        fallback_reason: 'Unexpected response: fal answered with a body that is not valid JSON',
      });
      expect(h.services.registry.status()).toMatchObject({ source: 'fallback', models: 12 });
    } finally {
      await h.close();
    }
  });
});

describe('the circuit breakers', () => {
  // A minute: only the manual clock can get past it.
  const cooldownMs = 60_000;
  const env = {
    UPSTREAM_RETRIES: '0',
    BREAKER_FAILURE_THRESHOLD: '3',
    BREAKER_COOLDOWN_MS: String(cooldownMs),
    BREAKER_QUORUM: '3',
    RATE_LIMIT_PER_MINUTE: '0',
  };
  const clientFor = (h: Harness, key: string) =>
    connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch, headers: { 'X-Fal-Key': key } });
  const estimate = (client: TestClient) =>
    client.callTool('estimate_cost', { items: [{ model: 'flux_dev', quantity: 1 }] });
  const ready = async (h: Harness) =>
    (await (await h.app.request('/ready')).json()) as Record<string, unknown>;

  /** A clock that moves only when the test says: the cool-down passes without sleeping. */
  const manualClock = () => {
    let now = Date.now();
    return {
      now: () => now,
      advance: (ms: number) => {
        now += ms;
      },
    };
  };

  it("one tenant's failures pause only that tenant's calls on that route", async () => {
    const clock = manualClock();
    const h = await startHarness({ env, now: clock.now });
    try {
      await h.services.registry.catalogue();
      const a = await clientFor(h, 'breaker-a-id:secret-a');
      const b = await clientFor(h, 'breaker-b-id:secret-b');
      h.emulator.inject('estimate', { status: 503, key: 'breaker-a-id:secret-a' });
      for (let i = 0; i < 3; i++) expect(textOf(await estimate(a))).toMatch(/HTTP 503/);
      const fast = await estimate(a);
      expect(textOf(fast)).toMatch(
        /^fal is unavailable right now: fal \(platform API, estimates\) failed 3 times in a row for this key, so its calls there are paused \(circuit open; other callers are not affected\)/,
      );
      expect(h.emulator.faults.callsTo('estimate')).toHaveLength(3);
      // Another tenant on the same route, and the same tenant on another route, reach fal.
      expect((await estimate(b)).isError).toBeFalsy();
      expect((await a.callTool('get_pricing', { models: ['flux_dev'] })).isError).toBeFalsy();
      expect(await ready(h)).toMatchObject({
        upstream: { circuits: { estimate: 'closed', pricing: 'closed' }, tenant_circuits_open: 1 },
      });
      h.emulator.faults.clear();
      // Still open just before the cool-down ends; let through just after.
      clock.advance(cooldownMs - 1);
      expect(textOf(await estimate(a)).startsWith('fal is unavailable right now')).toBe(true);
      clock.advance(1);
      expect((await estimate(a)).isError).toBeFalsy();
      expect(await ready(h)).toMatchObject({ upstream: { tenant_circuits_open: 0 } });
      await Promise.all([a.close(), b.close()]);
    } finally {
      await h.close();
    }
  });

  it('failures from several tenants open the route for everyone, fail fast, probe after the cool-down and close', async () => {
    const clock = manualClock();
    const h = await startHarness({ env, now: clock.now });
    try {
      await h.services.registry.catalogue();
      const clients = await Promise.all(
        ['x', 'y', 'z', 'w'].map((t) => clientFor(h, `breaker-${t}-id:s-${t}`)),
      );
      h.emulator.inject('estimate', { status: 503 });
      for (const client of clients.slice(0, 3)) expect(textOf(await estimate(client))).toMatch(/HTTP 503/);
      const fast = await estimate(clients[3] as TestClient);
      expect(textOf(fast)).toMatch(
        /^fal is unavailable right now: fal \(platform API, estimates\) failed 3 times in a row for several callers, so calls are paused \(circuit open\)/,
      );
      expect(h.emulator.faults.callsTo('estimate')).toHaveLength(3);
      expect(await ready(h)).toMatchObject({
        upstream: {
          state: 'degraded',
          circuits: { estimate: 'open', pricing: 'closed', 'queue.submit': 'closed' },
        },
      });

      h.emulator.faults.clear();
      // Still open just before the cool-down ends; let through just after.
      clock.advance(cooldownMs - 1);
      expect(
        textOf(await estimate(clients[3] as TestClient)).startsWith('fal is unavailable right now'),
      ).toBe(true);
      clock.advance(1);
      expect((await estimate(clients[3] as TestClient)).isError).toBeFalsy();
      expect(await ready(h)).toMatchObject({ upstream: { circuits: { estimate: 'closed' } } });
      await Promise.all(clients.map((c) => c.close()));
    } finally {
      await h.close();
    }
  });
});

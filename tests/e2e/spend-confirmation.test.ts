import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectLegacy, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { type RawRpcOptions, rawRpc } from '../helpers/raw-rpc.js';
import { REDIS_SERVER, type RunningRedis, startRedis, warnIfNoRedis } from '../helpers/redis.js';

const ELICIT = { elicitation: {} };
const KEY = 'spend-id:spend-secret';
const SECRET = 'confirmations-secret-for-tests-0123456789';
const ARGS = { model: 'fal-ai/flux/dev', input: { prompt: 'an expensive fox' } };

warnIfNoRedis('spend confirmation');

/** The question a spend confirmation puts to the user (an input-required result's form message). */
const messageOf = (result: unknown) =>
  (result as { inputRequests: { confirm_spend: { params: { message: string } } } }).inputRequests
    .confirm_spend.params.message;

describe('asking before spending (input_required, 2026-07-28)', () => {
  let redis: RunningRedis | undefined;
  let a: Harness;
  let b: Harness;
  const opts = (h: Harness, extra: Partial<RawRpcOptions> = {}): RawRpcOptions => ({
    fetch: h.inProcessFetch,
    url: IN_PROCESS_URL,
    headers: { 'X-Fal-Key': KEY },
    name: 'run_model',
    capabilities: ELICIT,
    ...extra,
  });
  const call = (h: Harness, params: Record<string, unknown> = {}, extra: Partial<RawRpcOptions> = {}) =>
    rawRpc('tools/call', { name: 'run_model', arguments: ARGS, ...params }, opts(h, extra));
  const submits = () => a.emulator.faults.callsTo('queue.submit').length;
  const accept = { confirm_spend: { action: 'accept', content: { confirm: true } } };

  beforeAll(async () => {
    redis = REDIS_SERVER ? await startRedis() : undefined;
    const env = {
      CONFIRM_COST_ABOVE_USD: '0.001',
      TASKS_SECRET: SECRET,
      ...(redis ? { REDIS_URL: redis.url } : {}),
    };
    a = await startHarness({ env });
    b = await startHarness({ sharedEmulator: a.emulator, env });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
    await redis?.stop();
  });
  beforeEach(() => {
    a.emulator.faults.clear();
    a.emulator.state.setTiming('*', { queueMs: 10, runMs: 20, queuePosition: 0 });
  });

  it('above the threshold the call asks the user: a form with model, estimate and currency; nothing submitted', async () => {
    const asked = await call(a);
    expect(asked.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: {
        confirm_spend: {
          method: 'elicitation/create',
          params: { mode: 'form', requestedSchema: { properties: { confirm: { type: 'boolean' } } } },
        },
      },
      requestState: expect.stringMatching(/^v1\./),
    });
    const message = messageOf(asked.result);
    // The same figure and basis every other rule and result states.
    expect(message).toBe(
      "Run fal-ai/flux/dev? It is estimated at $0.025 USD (1 image(s) × 1 MP (1024×768) × $0.025 per megapixel; fal's typical past call: $0.1), above the $0.001 that needs your confirmation.",
    );
    expect(submits()).toBe(0);
  });

  it("the question states the account's balance when the key may read it", async () => {
    const asked = await call(a, {}, { headers: { 'X-Fal-Key': 'confirm-admin-id:confirm-secret' } });
    const message = messageOf(asked.result);
    expect(message).toMatch(/needs your confirmation\. Your balance: 42\.5 USD\.$/);
    expect(submits()).toBe(0);
  });

  it('a slow billing API never holds the question up: it is asked without the balance', async () => {
    a.emulator.faults.inject('billing', { delayMs: 4_000 });
    try {
      const asked = await call(a, {}, { headers: { 'X-Fal-Key': 'slow-billing-admin-id:secret' } });
      const message = messageOf(asked.result);
      expect(message).toMatch(/needs your confirmation\.$/);
      expect(submits()).toBe(0);
    } finally {
      a.emulator.faults.clear();
    }
  });

  it('the retry with the accepted answer submits once; replaying it, here or on another machine, submits nothing', async () => {
    const asked = await call(a);
    const requestState = asked.result?.requestState as string;
    const done = await call(a, { inputResponses: accept, requestState });
    expect(done.result).toMatchObject({ structuredContent: { status: 'COMPLETED' } });
    expect(submits()).toBe(1);
    // The audit trail: the question was a refusal that needed confirmation, then accepted, then the submit.
    const audit = a
      .logRecords()
      .filter((l) => l.log === 'audit')
      .slice(-3);
    expect(audit.map((l) => [l.action, l.outcome, l.reason ?? null])).toEqual([
      ['submit', 'refused', 'needs_confirmation'],
      ['confirm', 'accepted', null],
      ['submit', 'submitted', null],
    ]);
    for (const h of redis ? [a, b] : [a]) {
      const replay = await call(h, { inputResponses: accept, requestState });
      expect(replay.result).toMatchObject({ isError: true });
      expect(JSON.stringify(replay.result)).toContain('already used');
    }
    expect(submits()).toBe(1);
  });

  it.runIf(REDIS_SERVER)('a confirmation asked on one machine is accepted once on the other', async () => {
    const asked = await call(a);
    const done = await call(b, { inputResponses: accept, requestState: asked.result?.requestState });
    expect(done.result).toMatchObject({ structuredContent: { status: 'COMPLETED' } });
    expect(submits()).toBe(1);
  });

  it('a declined confirmation submits nothing', async () => {
    const asked = await call(a);
    const declined = await call(a, {
      inputResponses: { confirm_spend: { action: 'decline' } },
      requestState: asked.result?.requestState,
    });
    expect(declined.result).toMatchObject({ isError: true });
    expect(JSON.stringify(declined.result)).toContain('not confirmed');
    expect(submits()).toBe(0);
    expect(
      a
        .logRecords()
        .filter((l) => l.log === 'audit')
        .at(-1),
    ).toMatchObject({
      action: 'confirm',
      outcome: 'declined',
    });
  });

  it('a confirmation works for its own tenant, tool and arguments only, and not once altered', async () => {
    const asked = await call(a);
    const state = asked.result?.requestState as string;
    const other = await call(
      a,
      { inputResponses: accept, requestState: state },
      { headers: { 'X-Fal-Key': 'other:secret' } },
    );
    expect(JSON.stringify(other.result)).toContain('not valid for this call');
    const changed = await rawRpc(
      'tools/call',
      {
        name: 'run_model',
        arguments: { ...ARGS, input: { prompt: 'a different fox' } },
        inputResponses: accept,
        requestState: state,
      },
      opts(a),
    );
    expect(JSON.stringify(changed.result)).toContain('arguments changed');
    const tampered = `${state.slice(0, -3)}${state.at(-3) === 'A' ? 'B' : 'A'}${state.slice(-2)}`;
    const forged = await call(a, { inputResponses: accept, requestState: tampered });
    expect(JSON.stringify(forged.result)).toContain('not valid for this call');
    expect(submits()).toBe(0);
    // The untouched one still works (the failed attempts did not use it up).
    const done = await call(a, { inputResponses: accept, requestState: state });
    expect(done.result).toMatchObject({ structuredContent: { status: 'COMPLETED' } });
  });

  it('a client without elicitation gets the refusal with the estimate and how to pass max_cost_usd', async () => {
    const refused = await call(a, {}, { capabilities: {} });
    expect(refused.result).toMatchObject({ isError: true });
    const text = JSON.stringify(refused.result);
    expect(text).toMatch(/fal-ai\/flux\/dev for this input is estimated at \$[\d.]+/);
    expect(text).toMatch(/call again with max_cost_usd: [\d.]+/);
    expect(submits()).toBe(0);
    const estimate = Number(/max_cost_usd: ([\d.]+)/.exec(text)?.[1]);
    const ran = await rawRpc(
      'tools/call',
      { name: 'run_model', arguments: { ...ARGS, max_cost_usd: estimate } },
      opts(a, { capabilities: {} }),
    );
    expect(ran.result).toMatchObject({ structuredContent: { status: 'COMPLETED' } });
  });

  it('max_cost_usd does not skip the question for a client that can ask the user', async () => {
    const asked = await rawRpc(
      'tools/call',
      { name: 'run_model', arguments: { ...ARGS, max_cost_usd: 100 } },
      opts(a),
    );
    expect(asked.result?.resultType).toBe('input_required');
    expect(submits()).toBe(0);
  });

  it('the 2025 era is refused as before, with the estimate', async () => {
    const legacy = await connectLegacy({
      url: IN_PROCESS_URL,
      fetch: a.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
    const r = await legacy.callTool('run_model', ARGS);
    await legacy.close();
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/needs your confirmation, and this client cannot ask for it/);
    expect(submits()).toBe(0);
  });

  it('confirm_above_usd can only make it stricter than the operator', async () => {
    const h = await startHarness({ sharedEmulator: a.emulator, env: { CONFIRM_COST_ABOVE_USD: '1000' } });
    try {
      const cheap = await rawRpc(
        'tools/call',
        { name: 'submit_job', arguments: ARGS },
        opts(h, { name: 'submit_job' }),
      );
      expect(cheap.result?.resultType).toBe('complete');
      const strict = await rawRpc(
        'tools/call',
        { name: 'submit_job', arguments: { ...ARGS, confirm_above_usd: 0.001 } },
        opts(h, { name: 'submit_job' }),
      );
      expect(strict.result?.resultType).toBe('input_required');
      const lax = await rawRpc(
        'tools/call',
        { name: 'run_model', arguments: { ...ARGS, confirm_above_usd: 5000 } },
        opts(a),
      );
      expect(lax.result?.resultType).toBe('input_required');
    } finally {
      await h.close();
    }
  });
});

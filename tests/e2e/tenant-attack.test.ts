import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const ATTACKER = 'attacker-id:attacker-secret';
const VICTIM = 'victim-id:victim-secret';
/** A model whose every run fails on fal's result route, with the model's own status and body. */
const BROKEN = 'fal-ai/fast-sdxl';

/**
 * Tenant A does everything it can to make fal look broken (its own failing jobs
 * and calls that time out), as fast as it can, while tenant B works normally
 * over the same server. Nothing A does may reach B.
 */
describe('one tenant attacking the circuits', () => {
  let h: Harness;
  let url: string;
  let attacker: TestClient;
  let victim: TestClient;

  beforeAll(async () => {
    h = await startHarness({ env: { UPSTREAM_TIMEOUT_MS: '300', RATE_LIMIT_PER_MINUTE: '0' } });
    url = await h.listen();
    attacker = await connectModern({ url, headers: { 'X-Fal-Key': ATTACKER } });
    victim = await connectModern({ url, headers: { 'X-Fal-Key': VICTIM } });
    h.emulator.state.setTiming('fal-ai/flux/dev', { queueMs: 10, runMs: 20 });
    await h.services.registry.catalogue();
  });
  afterAll(async () => {
    await Promise.all([attacker.close(), victim.close()]);
    await h.close();
  });

  it("20 failing jobs and 10 timing-out calls of tenant A: tenant B's discovery, pricing, run_model and submit_job all succeed", async () => {
    // A's model fails at the result route with 5xx and 4xx bodies of its own, as fal passes them through.
    const statuses = [500, 503, 502, 422];
    const failing: string[] = [];
    for (let i = 0; i < 20; i++) {
      const status = statuses[i % statuses.length] as number;
      h.emulator.state.setTiming(`${BROKEN}`, {
        queueMs: 0,
        runMs: 5,
        modelError: { status, body: { detail: `model crashed (${status})`, error_type: 'internal_error' } },
      });
      const submitted = await attacker.callTool('submit_job', { model: BROKEN, input: { prompt: `x${i}` } });
      failing.push((submitted.structuredContent as { request_id: string }).request_id);
    }
    // A's own calls time out at fal (per-key slowness), on the pricing route.
    h.emulator.inject('pricing', { delayMs: 1_000, key: ATTACKER });
    // fal's clock on past the failing jobs' 5 ms run: each has failed by the time A asks.
    h.emulator.state.advance(50);

    const attack = Promise.all([
      ...failing.map((request_id) => attacker.callTool('check_job', { request_id })),
      ...Array.from({ length: 10 }, () => attacker.callTool('get_pricing', { models: ['flux_dev'] })),
    ]);
    // B keeps working through the whole attack.
    const victimResults: { tool: string; ok: boolean; detail: string }[] = [];
    const victimCalls = async () => {
      for (let round = 0; round < 3; round++) {
        for (const [tool, args] of [
          ['search_models', { query: 'upscale photo' }],
          ['get_pricing', { models: ['flux_dev'] }],
          ['run_model', { model: 'flux_dev', input: { prompt: `b${round}` } }],
          ['submit_job', { model: 'flux_dev', input: { prompt: `b${round}` } }],
        ] as const) {
          const r = await victim.callTool(tool, args);
          const data = (r.structuredContent ?? {}) as { source?: string; status?: string };
          const ok =
            !r.isError &&
            (tool !== 'search_models' || data.source === 'fal') &&
            (tool !== 'run_model' || data.status === 'COMPLETED');
          victimResults.push({ tool, ok, detail: textOf(r).slice(0, 160) });
        }
      }
    };
    const [attackResults] = await Promise.all([attack, victimCalls()]);

    // A saw its own failures: the jobs failed with the model's errors, its pricing calls timed out or were paused.
    const checks = attackResults.slice(0, 20);
    for (const r of checks) expect(r.structuredContent).toMatchObject({ status: 'FAILED' });
    expect(textOf(checks[0] as (typeof checks)[number])).toMatch(/model crashed \(500\)/);
    for (const r of attackResults.slice(20)) expect(r.isError).toBe(true);

    const failed = victimResults.filter((r) => !r.ok);
    const rate = (victimResults.length - failed.length) / victimResults.length;
    console.log(
      `tenant B during the attack: ${victimResults.length - failed.length}/${victimResults.length} calls succeeded`,
    );
    expect(failed).toEqual([]);
    expect(rate).toBe(1);
    // No route is paused for everyone; A's own pricing circuit is.
    const ready = (await (await h.app.request('/ready')).json()) as {
      upstream: { circuits: Record<string, string>; tenant_circuits_open: number };
    };
    expect(Object.values(ready.upstream.circuits).every((s) => s === 'closed')).toBe(true);
    expect(ready.upstream.tenant_circuits_open).toBeGreaterThanOrEqual(1);
    // A model's 500 on the result route is never retried: one result fetch per failing job.
    const resultCalls = h.emulator.faults
      .callsTo('queue.result')
      .filter((c) => c.key === ATTACKER && failing.some((id) => c.path.includes(id)));
    expect(resultCalls).toHaveLength(20);
  });
});

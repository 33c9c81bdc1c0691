import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FalClient } from '../../src/fal/client.js';
import { submitToQueue } from '../../src/fal/queue.js';
import { waitForJob } from '../../src/jobs/wait.js';
import { Secret } from '../../src/lib/secret.js';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';

describe('waiting for a job', () => {
  let emu: RunningEmulator;
  let fal: FalClient;
  const key = { key: new Secret('wait-id:wait-secret'), tenant: 't_wait' };
  beforeAll(async () => {
    emu = await startEmulator();
    fal = new FalClient({
      apiUrl: emu.apiUrl,
      queueUrl: emu.queueUrl,
      storageUrl: emu.storageUrl,
      timeoutMs: 2000,
    });
    emu.state.setTiming('fal-ai/flux/dev', { queueMs: 60_000, runMs: 1000, queuePosition: 5 });
  });
  afterAll(() => emu.close());

  /** Virtual time: a sleep returns at once and moves the clock; `at` runs when the clock passes a time. */
  function virtualClock(at?: { ms: number; run: () => void }) {
    const start = Date.now();
    let now = start;
    const slept: number[] = [];
    return {
      slept,
      elapsed: () => now - start,
      clock: {
        now: () => now,
        sleep: async (ms: number, signal: AbortSignal) => {
          if (signal.aborted) return;
          if (at && now - start < at.ms && now - start + ms >= at.ms) {
            now = start + at.ms;
            slept.push(at.ms);
            at.run();
            return;
          }
          slept.push(ms);
          now += ms;
        },
      },
    };
  }

  it('ends as soon as the client aborts, and leaves the fal job alone (polling)', async () => {
    const job = await submitToQueue(fal, 'fal-ai/flux/dev', { prompt: 'x' }, key);
    const controller = new AbortController();
    const time = virtualClock({ ms: 1_500, run: () => controller.abort() });
    emu.faults.clear();
    emu.inject('queue.stream', { status: 503 });
    const outcome = await waitForJob(fal, 'fal-ai/flux/dev', job.request_id, key, {
      waitMs: 30_000,
      signal: controller.signal,
      clock: time.clock,
    });
    expect(outcome.ended).toBe('aborted');
    // Polled at 0 and 1 s; the abort at 1.5 s cut the next sleep short, and nothing was polled after it.
    expect(time.elapsed()).toBe(1_500);
    // The refused stream, then polls at 0 and 1 s.
    expect(outcome.polls).toBe(3);
    expect(emu.faults.callsTo('queue.status')).toHaveLength(2);
    expect(emu.faults.callsTo('queue.cancel')).toHaveLength(0);
    expect(emu.state.jobs.get(job.request_id)?.cancelled).toBe(false);
  });

  it('stops at the wait budget with the last status, polling at most once a second', async () => {
    emu.faults.clear();
    emu.inject('queue.stream', { status: 503 });
    const job = await submitToQueue(fal, 'fal-ai/flux/dev', { prompt: 'y' }, key);
    const time = virtualClock();
    const outcome = await waitForJob(fal, 'fal-ai/flux/dev', job.request_id, key, {
      waitMs: 4_000,
      signal: new AbortController().signal,
      clock: time.clock,
    });
    expect(outcome).toMatchObject({ ended: 'timeout', status: { status: 'IN_QUEUE' } });
    // Polls at 0, 1, 2.5 s (then 4.75 s would pass the budget), after the refused stream.
    expect(outcome.polls).toBe(4);
    expect(emu.faults.callsTo('queue.status')).toHaveLength(3);
    expect(time.slept).toEqual([1_000, 1_500]);
  });
});

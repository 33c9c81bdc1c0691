import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FalClient } from '../../src/fal/client.js';
import { submitToQueue } from '../../src/fal/queue.js';
import { streamStatus } from '../../src/fal/status-stream.js';
import { waitForJob } from '../../src/jobs/wait.js';
import { Secret } from '../../src/lib/secret.js';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

describe("waiting on fal's status stream", () => {
  let emu: RunningEmulator;
  let fal: FalClient;
  const key = { key: new Secret('stream-id:stream-secret'), tenant: 't_stream' };
  const submit = async (queueMs: number, runMs: number) => {
    emu.state.setTiming('fal-ai/flux/dev', { queueMs, runMs, queuePosition: 2 });
    return (await submitToQueue(fal, 'fal-ai/flux/dev', { prompt: 'x' }, key)).request_id;
  };
  const wait = (requestId: string, extra: Partial<Parameters<typeof waitForJob>[4]> = {}) =>
    waitForJob(fal, 'fal-ai/flux/dev', requestId, key, {
      waitMs: 10_000,
      signal: new AbortController().signal,
      ...extra,
    });

  beforeAll(async () => {
    emu = await startEmulator();
    // A connect timeout shorter than the jobs: the stream must outlive it.
    fal = new FalClient({
      apiUrl: emu.apiUrl,
      queueUrl: emu.queueUrl,
      storageUrl: emu.storageUrl,
      timeoutMs: 300,
    });
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    emu.faults.clear();
    emu.state.streamCutAfterEvents = undefined;
    emu.state.streamKeepAliveMs = 15_000;
  });

  it('follows one stream from queue to completion: every status, no polls', async () => {
    const id = await submit(150, 150);
    const seen: string[] = [];
    const outcome = await wait(id, { onStatus: (s) => void seen.push(s.status) });
    expect(outcome).toMatchObject({ ended: 'completed', streamed: true, polls: 1 });
    expect(outcome.status.metrics?.inference_time).toBe(0.15);
    expect(seen[0]).toBe('IN_QUEUE');
    expect(seen).toContain('IN_PROGRESS');
    expect(seen.at(-1)).toBe('COMPLETED');
    expect(emu.faults.callsTo('queue.stream')).toHaveLength(1);
    expect(emu.faults.callsTo('queue.stream')[0]?.query).toBe('?logs=1');
    expect(emu.faults.callsTo('queue.status')).toHaveLength(0);
  });

  it('gathers the log lines that each event carries once: the finished wait has all of them, in order', async () => {
    const id = await submit(50, 400);
    const perEvent: string[][] = [];
    for await (const event of streamStatus(fal, 'fal-ai/flux/dev', id, key, {
      logs: true,
      signal: new AbortController().signal,
    })) {
      perEvent.push((event.logs ?? []).map((l) => l.message));
    }
    // The stream (like fal's, by its client's appending) sends each line in one event only.
    expect(perEvent.flat()).toEqual(['Running fal-ai/flux/dev', 'Halfway there', 'Finished']);
    const again = await submit(50, 400);
    const outcome = await wait(again);
    expect(outcome.status.logs?.map((l) => l.message)).toEqual([
      'Running fal-ai/flux/dev',
      'Halfway there',
      'Finished',
    ]);
  });

  it('reads through keep-alive comments', async () => {
    emu.state.streamKeepAliveMs = 30;
    const id = await submit(0, 400);
    const outcome = await wait(id);
    expect(outcome).toMatchObject({ ended: 'completed', streamed: true });
  });

  it.each([
    ['cannot be opened (503)', () => emu.inject('queue.stream', { status: 503 })],
    ['answers JSON instead of events', () => emu.inject('queue.stream', { malformed: true })],
    ['drops the connection', () => emu.inject('queue.stream', { drop: true })],
    ['breaks after the first event', () => (emu.state.streamCutAfterEvents = 1)],
  ])('falls back to polling when the stream %s', async (_, breakIt) => {
    breakIt();
    const id = await submit(100, 100);
    const reasons: string[] = [];
    const outcome = await wait(id, { onFallback: (r) => void reasons.push(r) });
    expect(outcome.ended).toBe('completed');
    expect(outcome.streamed).toBeUndefined();
    expect(reasons).toHaveLength(1);
    expect(emu.faults.callsTo('queue.stream')).toHaveLength(1);
    expect(emu.faults.callsTo('queue.status').length).toBeGreaterThan(0);
  });

  it('gives up on a silent stream and polls', async () => {
    const id = await submit(0, 1_500);
    const reasons: string[] = [];
    const outcome = await wait(id, { streamIdleMs: 200, onFallback: (r) => void reasons.push(r) });
    expect(outcome.ended).toBe('completed');
    expect(reasons).toEqual(["fal's status stream was silent for 0.2 s"]);
  });

  it('keeps progress flowing while fal says nothing new', async () => {
    const id = await submit(0, 700);
    let quiet = 0;
    const outcome = await wait(id, { quietMs: 200, onQuiet: () => void quiet++ });
    expect(outcome.ended).toBe('completed');
    expect(quiet).toBeGreaterThanOrEqual(2);
  });

  it('a quiet-progress notification that fails (the client left) is not an unhandled rejection', async () => {
    const id = await submit(0, 500);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      let tries = 0;
      const outcome = await wait(id, {
        quietMs: 100,
        onQuiet: () => {
          tries++;
          return Promise.reject(new Error('client gone'));
        },
      });
      // Node reports unhandled rejections once the microtasks have run: one turn of the event loop.
      await new Promise((r) => setImmediate(r));
      expect(outcome.ended).toBe('completed');
      expect(tries).toBeGreaterThan(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('ends at the wait budget with the last status, and on abort, leaving the job alone', async () => {
    const id = await submit(5_000, 100);
    const timedOut = await wait(id, { waitMs: 300 });
    expect(timedOut).toMatchObject({ ended: 'timeout', status: { status: 'IN_QUEUE', queue_position: 2 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const aborted = await wait(id, { signal: controller.signal });
    expect(aborted.ended).toBe('aborted');
    expect(emu.faults.callsTo('queue.cancel')).toHaveLength(0);
    expect(emu.state.jobs.get(id)?.cancelled).toBe(false);
  });

  it('ends at the wait budget through garbage collections (Node 20 could lose the abort on its way to fetch)', async () => {
    // Queued for longer than the test may run: a lost abort would never end the wait.
    const id = await submit(600_000, 100);
    const collect = setInterval(gc, 10);
    try {
      const outcome = await wait(id, { waitMs: 300 });
      expect(outcome.ended).toBe('timeout');
    } finally {
      clearInterval(collect);
    }
  });

  it('caps what one stream may send', async () => {
    emu.state.setTiming('fal-ai/flux/dev', { queueMs: 0, runMs: 2_000 });
    const id = (await submitToQueue(fal, 'fal-ai/flux/dev', { prompt: 'x' }, key)).request_id;
    emu.state.streamKeepAliveMs = 5;
    const stream = streamStatus(fal, 'fal-ai/flux/dev', id, key, {
      logs: true,
      signal: new AbortController().signal,
      maxBytes: 300,
    });
    await expect(async () => {
      for await (const _ of stream) {
        // keep reading
      }
    }).rejects.toThrow(/sent more than 300 bytes/);
  });

  it("the real @fal-ai/client's streaming mode runs against the emulator's stream", async () => {
    const { createFalClient } = await import('@fal-ai/client');
    const client = createFalClient({
      credentials: 'stream-id:stream-secret',
      // No internet: fal's queue host is the emulator here.
      fetch: (input: string | URL | Request, init?: RequestInit) =>
        fetch(
          (input instanceof Request ? input.url : String(input)).replace(
            'https://queue.fal.run',
            emu.queueUrl,
          ),
          init,
        ),
    });
    emu.state.setTiming('fal-ai/flux/dev', { queueMs: 100, runMs: 200, queuePosition: 1 });
    const updates: string[] = [];
    const result = await client.subscribe('fal-ai/flux/dev', {
      input: { prompt: 'x' },
      mode: 'streaming',
      logs: true,
      onQueueUpdate: (update) => void updates.push(update.status),
    });
    expect((result.data as { images?: unknown[] }).images).toHaveLength(1);
    expect(updates).toContain('IN_PROGRESS');
    expect(emu.faults.callsTo('queue.stream')).toHaveLength(1);
    expect(emu.faults.callsTo('queue.status')).toHaveLength(0);
  });

  it('sends the key to fal only, and refuses ids that could climb out of the path', async () => {
    await expect(async () => {
      for await (const _ of streamStatus(fal, 'fal-ai/flux/dev', '../../models', key, {
        logs: false,
        signal: new AbortController().signal,
      })) {
        // nothing
      }
    }).rejects.toThrow(/request_id must be the id fal returned/);
    expect(emu.faults.callsTo('queue.stream')).toHaveLength(0);
  });
});

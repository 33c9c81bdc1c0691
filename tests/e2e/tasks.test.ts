import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectLegacy, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { type RawRpcOptions, rawRpc } from '../helpers/raw-rpc.js';
import { structuredOf } from '../helpers/structured.js';

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
const SLOW = 'fal-ai/kling-video/v2.1/master/text-to-video';
const SECRET = 'tasks-secret-for-tests-0123456789abcdef';

describe('MCP Tasks (io.modelcontextprotocol/tasks, 2026-07-28)', () => {
  let a: Harness;
  /** How far the server's clock runs ahead of the wall clock (moved by tests instead of sleeping). */
  let ahead = 0;
  let b: Harness;
  const as = (h: Harness, key: string, extra: Partial<RawRpcOptions> = {}): RawRpcOptions => ({
    fetch: h.inProcessFetch,
    url: IN_PROCESS_URL,
    headers: { 'X-Fal-Key': key },
    ...extra,
  });
  const KEY = 'task-id:task-secret';
  /** A run that outlasts its 1 s wait, called by a client that declared the extension. */
  const startTask = async (h = a, key = KEY) => {
    const r = await rawRpc(
      'tools/call',
      { name: 'run_model', arguments: { model: SLOW, input: { prompt: 'a slow one' }, wait_seconds: 1 } },
      as(h, key, { capabilities: TASKS, name: 'run_model' }),
    );
    return r.result as {
      resultType: string;
      status: string;
      taskId: string;
      ttlMs: number;
      createdAt: string;
    };
  };
  const get = (taskId: string, h = a, key = KEY, capabilities: Record<string, unknown> = TASKS) =>
    rawRpc('tasks/get', { taskId }, as(h, key, { capabilities, name: taskId }));

  beforeAll(async () => {
    a = await startHarness({ env: { TASKS_SECRET: SECRET }, now: () => Date.now() + ahead });
    // A second machine with the same secret and the same fal, no shared storage.
    b = await startHarness({ sharedEmulator: a.emulator, env: { TASKS_SECRET: SECRET } });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });
  beforeEach(() => {
    a.emulator.faults.clear();
    a.emulator.state.setTiming(SLOW, { queueMs: 1_000, runMs: 1_500, queuePosition: 2 });
  });

  it('polling tasks/get fast costs one status call at fal per job and second or so', async () => {
    const created = await startTask();
    const before = a.emulator.faults.callsTo('queue.status').length;
    const polls = [];
    for (let i = 0; i < 4; i++) polls.push(await get(created.taskId));
    expect(polls.every((p) => p.result?.status === 'working')).toBe(true);
    // Four polls in well under 1.5 s: one status call.
    expect(a.emulator.faults.callsTo('queue.status').length - before).toBe(1);
    // Another tenant's poll of a task id is never answered from this tenant's status (the id is sealed to it).
    expect((await get(created.taskId, a, 'other-id:other-secret')).error).toBeDefined();
  });

  it('server/discover declares the extension', async () => {
    const r = await rawRpc('server/discover', {}, as(a, KEY));
    expect(r.result?.capabilities).toMatchObject({ extensions: { 'io.modelcontextprotocol/tasks': {} } });
  });

  it('a run still pending after its wait becomes a task: create, get while working, get completed', async () => {
    const created = await startTask();
    expect(created).toMatchObject({
      resultType: 'task',
      status: 'working',
      ttlMs: 86_400_000,
      pollIntervalMs: expect.any(Number),
    });
    expect(created.taskId).toMatch(/^task\.[\w-]{8}\.[\w-]+$/);
    // Short enough for a header; the job is in it, sealed.
    expect(created.taskId.length).toBeLessThan(300);
    expect(created.taskId).not.toContain('kling');
    expect(Date.parse(created.createdAt)).not.toBeNaN();
    const job = [...a.emulator.state.jobs.values()].at(-1);

    const working = await get(created.taskId);
    expect(working.result).toMatchObject({
      resultType: 'complete',
      taskId: created.taskId,
      status: 'working',
      createdAt: created.createdAt,
      statusMessage: expect.stringContaining(job?.requestId ?? '?'),
    });

    // Time passes for fal (the job finishes) and for the server (the status it keeps for a poll expires).
    a.emulator.state.advance(2_600);
    ahead += 2_600;
    const done = await get(created.taskId);
    expect(done.result).toMatchObject({ taskId: created.taskId, status: 'completed' });
    // The same result check_job gives, media links included.
    const result = done.result?.result as { structuredContent: unknown; content: { type: string }[] };
    expect(structuredOf('run_model', result)).toMatchObject({
      status: 'COMPLETED',
      request_id: job?.requestId,
    });
    expect(result.content.some((c) => c.type === 'resource_link')).toBe(true);
    // Any machine answers: B never saw this job.
    const elsewhere = await get(created.taskId, b);
    expect(elsewhere.result).toMatchObject({ status: 'completed', taskId: created.taskId });
  });

  it('tasks/cancel cancels at fal; the task then reads cancelled', async () => {
    a.emulator.state.setTiming(SLOW, { queueMs: 30_000, runMs: 1_000, queuePosition: 5 });
    const created = await startTask();
    const job = [...a.emulator.state.jobs.values()].at(-1);
    const ack = await rawRpc(
      'tasks/cancel',
      { taskId: created.taskId },
      as(a, KEY, { capabilities: TASKS, name: created.taskId }),
    );
    expect(ack.error).toBeUndefined();
    expect(ack.result).toMatchObject({ resultType: 'complete' });
    expect(a.emulator.state.jobs.get(job?.requestId ?? '')?.cancelled).toBe(true);
    expect((await get(created.taskId)).result).toMatchObject({ status: 'cancelled' });
  });

  it("another tenant's id, a tampered id and a made-up one: -32602, and nothing reaches fal", async () => {
    const created = await startTask();
    const before = a.emulator.faults.calls.length;
    const other = await get(created.taskId, a, 'someone-else:secret');
    expect(other.error).toMatchObject({ code: -32602, message: 'Failed to retrieve task: Task not found' });
    const last = created.taskId.at(-2) === 'A' ? 'B' : 'A';
    const tampered = `${created.taskId.slice(0, -2)}${last}${created.taskId.at(-1)}`;
    expect((await get(tampered)).error).toMatchObject({ code: -32602 });
    expect((await get('task.abcdefgh.AAAA')).error).toMatchObject({ code: -32602 });
    expect(a.emulator.faults.calls.length).toBe(before);
  });

  it('without TASKS_SECRET a task lives on its own machine only', async () => {
    const lone = await startHarness({ sharedEmulator: a.emulator });
    try {
      const created = await startTask(lone);
      expect((await get(created.taskId, lone)).result).toMatchObject({ status: 'working' });
      expect((await get(created.taskId, a)).error).toMatchObject({ code: -32602 });
    } finally {
      await lone.close();
    }
  });

  it('a client that did not declare the extension gets the check_job handle, and -32021 on tasks/get', async () => {
    const r = await rawRpc(
      'tools/call',
      { name: 'run_model', arguments: { model: SLOW, input: { prompt: 'x' }, wait_seconds: 1 } },
      as(a, KEY, { name: 'run_model' }),
    );
    expect(r.result?.resultType).toBe('complete');
    // Still pending after the 1 s wait: queued or just started (the job queues for 1 s).
    expect(r.result?.structuredContent).toMatchObject({
      status: expect.stringMatching(/^IN_(QUEUE|PROGRESS)$/),
      next: { tool: 'check_job' },
    });
    const created = await startTask();
    const refused = await get(created.taskId, a, KEY, {});
    expect(refused.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { extensions: { 'io.modelcontextprotocol/tasks': {} } } },
    });
  });

  it('only pending runs become tasks: a finished run and a discovery call answer as usual', async () => {
    a.emulator.state.setTiming(SLOW, { queueMs: 0, runMs: 100 });
    const done = await rawRpc(
      'tools/call',
      { name: 'run_model', arguments: { model: SLOW, input: { prompt: 'quick' }, wait_seconds: 5 } },
      as(a, KEY, { capabilities: TASKS, name: 'run_model' }),
    );
    expect(done.result).toMatchObject({ resultType: 'complete', structuredContent: { status: 'COMPLETED' } });
    const search = await rawRpc(
      'tools/call',
      { name: 'search_models', arguments: { query: 'flux' } },
      as(a, KEY, { capabilities: TASKS, name: 'search_models' }),
    );
    expect(search.result?.resultType).toBe('complete');
    const bad = await rawRpc(
      'tools/call',
      { name: 'run_model', arguments: { model: SLOW } },
      as(a, KEY, { capabilities: TASKS, name: 'run_model' }),
    );
    expect(bad.result).toMatchObject({ isError: true });
    expect(JSON.stringify(bad.result)).toMatch(/input/);
  });

  it('a job fal forgot before anyone kept its result: -32602 "Task has expired", with the rule', async () => {
    a.emulator.state.setTiming(SLOW, { queueMs: 1_100, runMs: 100, queuePosition: 1 });
    const created = await startTask();
    // Submitted without payload storage: fal's history has no result to fall back on either.
    for (const job of a.emulator.state.requestLog) job.storeIo = false;
    const kept = a.emulator.state.retention;
    a.emulator.state.retention = { smallMs: 0, largeMs: 0, largeBytes: kept.largeBytes };
    try {
      a.emulator.state.advance(1_300);
      const gone = await get(created.taskId);
      expect(gone.error).toMatchObject({
        code: -32602,
        message: expect.stringMatching(
          /^Failed to retrieve task: Task has expired \(.*fal keeps a result for the account's payload storage period/,
        ),
      });
    } finally {
      a.emulator.state.retention = kept;
    }
  });

  it('tasks/result is gone (-32601); tasks/update acknowledges a known task', async () => {
    const created = await startTask();
    const result = await rawRpc(
      'tasks/result',
      { taskId: created.taskId },
      as(a, KEY, { capabilities: TASKS, name: created.taskId }),
    );
    expect(result.error).toMatchObject({ code: -32601 });
    const update = await rawRpc(
      'tasks/update',
      { taskId: created.taskId, inputResponses: {} },
      as(a, KEY, { capabilities: TASKS, name: created.taskId }),
    );
    expect(update.result).toMatchObject({ resultType: 'complete' });
  });

  it('the 2025 era never sees tasks', async () => {
    const legacy = await connectLegacy({
      url: IN_PROCESS_URL,
      fetch: a.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
    const r = await legacy.callTool('run_model', { model: SLOW, input: { prompt: 'old' }, wait_seconds: 1 });
    await legacy.close();
    expect(r.structuredContent).toMatchObject({ status: expect.stringMatching(/^IN_(QUEUE|PROGRESS)$/) });
    expect(textOf(r)).toContain('check_job');
  });
});

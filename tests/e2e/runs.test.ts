import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectLegacy, connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { type RawRpcOptions, rawRpc } from '../helpers/raw-rpc.js';
import { structuredOf, type ToolName } from '../helpers/structured.js';

const TASKS = { extensions: { 'io.modelcontextprotocol/tasks': {} } };
const SECRET = 'runs-tasks-secret-0123456789abcdefgh';
const KEY = 'runs-id:runs-secret';
const AUDIO = 'https://example.com/talk.mp3';

/** One owner for every run: what each tool promises holds wherever the result is read. */
describe('the run pipeline', () => {
  let a: Harness;
  let b: Harness;
  let client: TestClient;
  const call = async <N extends ToolName>(name: N, args: Record<string, unknown>) => {
    const r = await client.callTool(name, args);
    return { ...r, data: structuredOf(name, r), text: textOf(r) };
  };
  const submits = () => a.emulator.faults.callsTo('queue.submit').length;
  const lastJob = () => [...a.emulator.state.jobs.values()].at(-1);
  const raw = (h: Harness, method: string, params: Record<string, unknown>, name: string) =>
    rawRpc(method, params, {
      fetch: h.inProcessFetch,
      url: IN_PROCESS_URL,
      headers: { 'X-Fal-Key': KEY },
      capabilities: TASKS,
      name,
    } satisfies RawRpcOptions);

  beforeAll(async () => {
    a = await startHarness({
      env: (emu) => ({ TASKS_SECRET: SECRET, FETCH_ALLOW_HOSTS: new URL(emu.origin).host }),
    });
    // A second machine with the same secret and the same fal, sharing no storage.
    b = await startHarness({ sharedEmulator: a.emulator, env: { TASKS_SECRET: SECRET } });
    client = await connectLegacy({
      url: IN_PROCESS_URL,
      fetch: a.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
  });
  afterAll(async () => {
    await client.close();
    await b.close();
    await a.close();
  });
  beforeEach(() => {
    a.emulator.faults.clear();
    a.emulator.state.setTiming('*', { queueMs: 5, runMs: 10, queuePosition: 0 });
  });

  describe('a transcript outlives the call that started it', () => {
    it('check_job shows a finished transcription as transcribe_audio does', async () => {
      a.emulator.state.setTiming('fal-ai/whisper', { queueMs: 200, runMs: 400, queuePosition: 1 });
      const started = await call('transcribe_audio', { audio_url: AUDIO, wait_seconds: 0 });
      expect(started.data.status).toMatch(/IN_QUEUE|IN_PROGRESS/);
      const done = await call('check_job', { request_id: started.data.request_id, wait_seconds: 10 });
      expect(done.data.status).toBe('COMPLETED');
      expect(done.data.transcript?.text).toBe('The quick brown fox jumps over the lazy dog.');
      expect(done.text).toMatch(/^Transcript \(fal-ai\/whisper, request \S+\):\nThe quick brown fox/);
      // Read again (now from the kept outcome): the same presentation.
      const again = await call('check_job', { request_id: started.data.request_id });
      expect(again.data.transcript?.text).toBe('The quick brown fox jumps over the lazy dog.');
      // A job started by run_model on the same model is shown as run_model shows it.
      const plain = await call('run_model', { model: 'fal-ai/whisper', input: { audio_url: AUDIO } });
      expect(plain.data.transcript).toBeUndefined();
      expect(
        (await call('check_job', { request_id: plain.data.request_id })).data.transcript,
      ).toBeUndefined();
    });

    it('tasks/get completes a transcription task with the transcript, on any machine', async () => {
      a.emulator.state.setTiming('fal-ai/whisper', { queueMs: 200, runMs: 400, queuePosition: 1 });
      const created = (
        await raw(
          a,
          'tools/call',
          { name: 'transcribe_audio', arguments: { audio_url: AUDIO, wait_seconds: 0 } },
          'transcribe_audio',
        )
      ).result as { resultType: string; status: string; taskId: string };
      expect(created).toMatchObject({ resultType: 'task', status: 'working' });
      const requestId = lastJob()?.requestId ?? '';
      // Wait for the job through check_job (no sleeping), then read the task.
      await call('check_job', { request_id: requestId, wait_seconds: 10 });
      for (const machine of [a, b]) {
        const got = (await raw(machine, 'tasks/get', { taskId: created.taskId }, created.taskId)).result as {
          status: string;
          result: { structuredContent: unknown; content: { type: string; text?: string }[] };
        };
        expect(got.status).toBe('completed');
        expect(structuredOf('transcribe_audio', got.result).transcript?.text).toBe(
          'The quick brown fox jumps over the lazy dog.',
        );
        expect(got.result.content[0]?.text).toMatch(/^Transcript \(fal-ai\/whisper/);
      }
    });
  });

  describe('what the caller asked is delivered, or nothing is billed', () => {
    it('a 30-second song with lyrics goes to a model that takes both, its required tags filled from the prompt', async () => {
      const r = await call('generate_audio', {
        prompt: 'upbeat acoustic song about coffee',
        lyrics: '[verse]\ncoffee in the morning',
        duration: 30,
      });
      expect(r.data.model).toBe('fal-ai/ace-step');
      expect(lastJob()?.input).toMatchObject({
        tags: 'upbeat acoustic song about coffee',
        lyrics: '[verse]\ncoffee in the morning',
        duration: 30,
      });
      expect(r.data.notes).toEqual(
        expect.arrayContaining([
          'The default fal-ai/minimax-music/v2 cannot do all that was asked (duration 30: fal-ai/minimax-music/v2 has no input for it); using fal-ai/ace-step, which can.',
          'fal-ai/ace-step requires tags: it was filled from your prompt.',
        ]),
      );
      expect(submits()).toBe(1);
    });

    it('a length beyond every model is refused with the nearest offered, nothing submitted', async () => {
      const r = await call('generate_audio', { prompt: 'a song', lyrics: 'la la', duration: 600 });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(
        /^Not submitted, nothing billed: fal-ai\/minimax-music\/v2 cannot do all that was asked\./,
      );
      expect(r.text).toContain('accept_nearest: true');
      expect(submits()).toBe(0);
    });

    it('video and audio results say their length, and a length other than asked is noted', async () => {
      const model = 'fal-ai/ltx-2-19b/distilled/text-to-video';
      a.emulator.state.setTiming(model, {
        queueMs: 5,
        runMs: 5,
        output: (cdn, id) => ({
          video: { url: `${cdn}/${id}/v.mp4`, content_type: 'video/mp4', duration: 4.2 },
        }),
      });
      const r = await call('run_model', { model, input: { prompt: 'waves' } });
      expect(r.text).toContain('(video/mp4, 4.2 s)');
      expect(r.data.media[0]?.duration).toBe(4.2);
      const asked = await call('generate_video', {
        prompt: 'waves',
        model,
        duration: 8,
        accept_nearest: true,
      });
      expect(asked.data.notes).toContain('Asked for 8 s; the video is 4.2 s.');
      // Without fal's own output override, the emulator makes what was asked: no note.
      a.emulator.state.setTiming(model, { queueMs: 5, runMs: 5 });
      const fair = await call('generate_video', { prompt: 'waves', model, accept_nearest: true });
      expect(fair.data.notes.join('\n')).not.toMatch(/Asked for/);
    });
  });

  it("a refusal lists the models that take it all, cheapest first once the caller's prices are known", async () => {
    const ask = { prompt: 'x', negative_prompt: 'blur', model: 'fal-ai/flux/schnell' };
    const first = await call('generate_image', ask);
    const listed = /take it: (.+) \(pass one as model\)/.exec(first.text)?.[1]?.split(', ') ?? [];
    expect(listed.length).toBeGreaterThan(1);
    await call('get_pricing', { models: listed });
    const priced = await call('generate_image', ask);
    const shown = /take it: (.+) \(pass one as model\)/.exec(priced.text)?.[1]?.split(', ') ?? [];
    const prices = shown.map((m) => Number(/\(\$([\d.]+)\//.exec(m)?.[1]));
    expect(prices.every(Number.isFinite)).toBe(true);
    expect(prices).toEqual([...prices].sort((x, y) => x - y));
    expect(new Set(prices).size).toBeGreaterThan(1);
    expect(submits()).toBe(0);
  });

  describe('an upload slot whose file never came', () => {
    it('is refused before submitting until the file is there, then runs', async () => {
      const slot = await call('upload_file', { file_name: 'talk.mp3', size: 2048 });
      const fileUrl = slot.data.url as string;
      const refused = await call('transcribe_audio', { audio_url: fileUrl });
      expect(refused.isError).toBe(true);
      expect(refused.text).toContain('is an upload slot from upload_file, and the file is not there yet');
      expect(refused.text).toContain('Nothing was submitted');
      // run_model and submit_job are held to it too.
      const direct = await call('submit_job', { model: 'fal-ai/whisper', input: { audio_url: fileUrl } });
      expect(direct.isError).toBe(true);
      expect(submits()).toBe(0);

      // The caller sends the file as upload_file said (one PUT with its length).
      const put = await fetch(slot.data.upload_url ?? '', {
        method: 'PUT',
        headers: { 'content-type': 'audio/mpeg', 'content-length': '2048' },
        body: new Uint8Array(2048),
      });
      expect(put.ok).toBe(true);
      const ran = await call('transcribe_audio', { audio_url: fileUrl });
      expect(ran.isError).toBeFalsy();
      expect(ran.data.transcript?.text).toContain('quick brown fox');
      // Once found, the slot is forgotten: the next run does not ask the CDN again.
      const cdnBefore = a.emulator.faults.callsTo('cdn').length;
      await call('transcribe_audio', { audio_url: fileUrl });
      expect(a.emulator.faults.callsTo('cdn').length).toBe(cdnBefore);
    });
  });

  describe('names as people write them', () => {
    it.each([
      ['flux-pro-ultra', 'fal-ai/flux-pro/v1.1-ultra'],
      ['flux-pro/v1.1-ultra', 'fal-ai/flux-pro/v1.1-ultra'],
      ['ace-step', 'fal-ai/ace-step'],
    ])('%s reaches %s', async (name, id) => {
      const r = await call('get_model_schema', { model: name });
      expect(r.isError).toBeFalsy();
      expect(r.text).toContain(id);
    });

    it('a name with words no model has is not guessed', async () => {
      const r = await call('get_model_schema', { model: 'flux-pro-ultra-max' });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/^Unknown model "flux-pro-ultra-max"/);
    });
  });
});

describe('every run tool from a 2026-07-28 client', () => {
  it('refuses before submitting, the same way', async () => {
    const h = await startHarness();
    const client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'modern-id:modern-secret' },
    });
    try {
      const r = await client.callTool('generate_video', { prompt: 'waves', duration: 40 });
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/duration 40: \S+ takes one of "5", "10"/);
      expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(0);
    } finally {
      await client.close();
      await h.close();
    }
  });
});

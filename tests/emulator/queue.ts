import { type Context, Hono } from 'hono';
import { type FaultBook, queueError, type RouteName } from './faults.js';
import { cdnFile } from './media.js';
import { frameOf, sampleOutput, validateInput } from './sample.js';
import type { EmulatorState, Job } from './state.js';
import { streamStatus } from './status-stream.js';
import { scheduleWebhook } from './webhooks.js';

/** fal's rule: the app is owner/alias, or three segments under workflows/ and comfy/. */
export function appOf(endpointId: string): string {
  const parts = endpointId.split('/');
  const n = parts[0] === 'workflows' || parts[0] === 'comfy' ? 3 : 2;
  return parts.slice(0, n).join('/');
}

type Phase = { status: 'IN_QUEUE'; position: number } | { status: 'IN_PROGRESS' } | { status: 'COMPLETED' };

function phaseOf(job: Job, now: number): Phase {
  if (job.cancelled) return { status: 'COMPLETED' };
  const elapsed = now - job.submittedAt;
  const { queueMs, runMs, queuePosition = 0 } = job.timing;
  if (elapsed < queueMs) {
    return { status: 'IN_QUEUE', position: Math.ceil(queuePosition * (1 - elapsed / Math.max(1, queueMs))) };
  }
  if (elapsed < queueMs + runMs) return { status: 'IN_PROGRESS' };
  return { status: 'COMPLETED' };
}

const REQUEST_PATH = /^\/(.+)\/requests\/([^/]+)(\/status(\/stream)?|\/cancel)?$/;

const SIZED_HEAD = '{"images":[{"url":"data:image/png;base64,';
const SIZED_TAIL = '","content_type":"image/png"}],"seed":42}';

/** A sync_mode-like result of about `bytes` bytes, streamed in chunks so the emulator never holds it whole. */
function sizedResult(bytes: number): ReadableStream<Uint8Array> {
  let left = Math.max(0, bytes - SIZED_HEAD.length - SIZED_TAIL.length);
  const chunk = new Uint8Array(64 * 1024).fill(65);
  let stage = 0;
  return new ReadableStream({
    pull(controller) {
      if (stage === 0) {
        stage = 1;
        return controller.enqueue(new TextEncoder().encode(SIZED_HEAD));
      }
      if (left > 0) {
        const n = Math.min(left, chunk.length);
        left -= n;
        return controller.enqueue(n === chunk.length ? chunk : chunk.subarray(0, n));
      }
      controller.enqueue(new TextEncoder().encode(SIZED_TAIL));
      controller.close();
    },
  });
}

/** fal's queue (`queue.fal.run`): submit, status, result, cancel. */
export function queueRoutes(state: EmulatorState, faults: FaultBook, origin: () => string): Hono {
  const q = new Hono();
  const err = (status: number) => queueError(status);
  // A model writes a line when it starts, one halfway, one when done: each at its own time.
  const logsOf = (job: Job, phase: Phase) => {
    if (phase.status === 'IN_QUEUE') return [];
    const start = job.submittedAt + job.timing.queueMs;
    const lines = [
      { at: start, message: `Running ${job.endpointId}` },
      { at: start + job.timing.runMs / 2, message: 'Halfway there' },
      { at: start + job.timing.runMs, message: 'Finished' },
    ];
    const now = phase.status === 'COMPLETED' ? Number.POSITIVE_INFINITY : state.now();
    return lines
      .filter((l) => l.at <= now)
      .map((l) => ({
        message: l.message,
        level: 'INFO',
        source: 'user',
        timestamp: new Date(l.at).toISOString(),
      }));
  };

  const requireKey = (key: string | null) =>
    !key
      ? { detail: 'Missing authorization header', status: 401 as const }
      : !state.isValidKey(key)
        ? { detail: 'Invalid key', status: 401 as const }
        : undefined;

  const resultOf = (job: Job) => resultOfJob(state, job, origin());
  const sizedResultOf = (job: Job) => sizedResultOfJob(state, job, origin());
  const resultBytes = (job: Job) =>
    job.timing.resultBytes ??
    (job.timing.fail || job.timing.modelError || job.cancelled ? 100 : JSON.stringify(resultOf(job)).length);

  const find = (app: string, id: string, key: string | null): Job | undefined => {
    const job = state.jobs.get(id);
    // A request is visible only to the key that submitted it.
    if (!job || job.app !== app || job.key !== key) return undefined;
    // fal forgets a finished request after its retention (1 h, or 6 min when the result is ≥ 10 KB).
    if (state.isForgotten(job, resultBytes(job))) {
      state.jobs.delete(id);
      return undefined;
    }
    return job;
  };

  /** fal's status object for a job as it stands now. */
  const statusBody = (job: Job, app: string, id: string, withLogs: boolean) => {
    const phase = phaseOf(job, state.now());
    const body: Record<string, unknown> & { status: Phase['status'] } = {
      status: phase.status,
      request_id: job.requestId,
      response_url: `${origin()}/queue/${app}/requests/${id}`,
      status_url: `${origin()}/queue/${app}/requests/${id}/status`,
      cancel_url: `${origin()}/queue/${app}/requests/${id}/cancel`,
      logs: withLogs ? logsOf(job, phase) : null,
    };
    if (phase.status === 'IN_QUEUE') body.queue_position = phase.position;
    if (phase.status === 'COMPLETED') {
      body.metrics = { inference_time: job.timing.runMs / 1000 };
      if (job.cancelled)
        Object.assign(body, { error: 'Request was cancelled', error_type: 'request_cancelled' });
      else if (job.timing.fail)
        Object.assign(body, { error: job.timing.fail.error, error_type: job.timing.fail.error_type });
    }
    return body;
  };

  /** Run a handler behind a route's fault injection and call recording. */
  const guarded = async (c: Context, route: RouteName, handler: () => Response | Promise<Response>) => {
    let res: Response | undefined;
    const early = await faults.route(route, err)(c, async () => {
      res = await handler();
    });
    return early ?? res ?? c.json({ detail: 'emulator: no response' }, 500);
  };

  const parse = (c: Context) => REQUEST_PATH.exec(new URL(c.req.url).pathname.replace(/^\/queue/, ''));

  // Status and result: GET /{app}/requests/{id}[/status]
  q.get('/*', (c) => {
    const m = parse(c);
    if (!m?.[1] || !m[2] || m[3] === '/cancel') return c.json({ detail: 'Not found' }, 404);
    const [, app, id, suffix] = m as unknown as [string, string, string, string | undefined];
    const isStatus = suffix?.startsWith('/status') ?? false;
    const isStream = suffix === '/status/stream';
    return guarded(c, isStream ? 'queue.stream' : isStatus ? 'queue.status' : 'queue.result', async () => {
      const key = state.keyOf(c);
      const denied = requireKey(key);
      if (denied) return c.json({ detail: denied.detail }, denied.status);
      // fal answers 405 when the full sub-path is used instead of the app.
      if (app !== appOf(app)) return c.json({ detail: 'Method Not Allowed' }, 405);
      const job = find(app, id, key);
      if (!job) return c.json({ status: 'NOT_FOUND', detail: 'Request not found' }, 404);
      const phase = phaseOf(job, state.now());
      if (isStream) {
        const withLogs = new URL(c.req.url).searchParams.get('logs') === '1';
        return streamStatus(c, state, () => statusBody(job, app, id, withLogs));
      }
      if (isStatus) {
        const withLogs = new URL(c.req.url).searchParams.get('logs') === '1';
        const body = statusBody(job, app, id, withLogs);
        return c.json(body, body.status === 'COMPLETED' ? 200 : 202);
      }
      if (phase.status !== 'COMPLETED') return c.json({ detail: 'Request is still in progress' }, 400);
      if (job.cancelled)
        return c.json({ detail: 'Request was cancelled', error_type: 'request_cancelled' }, 400);
      if (job.timing.fail) {
        const { error, error_type, status = 500 } = job.timing.fail;
        return c.json({ detail: error, error_type }, status as 500, { 'x-fal-error-type': error_type });
      }
      // The model's own failure, passed through with its status (fal's docs: result route errors).
      if (job.timing.modelError) {
        const { status, body } = job.timing.modelError;
        return c.json(body as Record<string, unknown>, status as 500);
      }
      if (job.timing.resultBytes !== undefined) {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-fal-request-id': job.requestId,
        };
        if (!job.timing.resultChunked) headers['content-length'] = String(job.timing.resultBytes);
        return new Response(sizedResult(job.timing.resultBytes), { status: 200, headers });
      }
      return c.json((await sizedResultOf(job)) as Record<string, unknown>, 200, {
        'x-fal-request-id': job.requestId,
      });
    });
  });

  // Cancel: PUT /{app}/requests/{id}/cancel
  q.put('/*', (c) => {
    const m = parse(c);
    if (!m?.[1] || !m[2] || m[3] !== '/cancel') return c.json({ detail: 'Not found' }, 404);
    const [, app, id] = m as unknown as [string, string, string];
    return guarded(c, 'queue.cancel', () => {
      const key = state.keyOf(c);
      const denied = requireKey(key);
      if (denied) return c.json({ detail: denied.detail }, denied.status);
      const job = find(app, id, key);
      if (!job) return c.json({ status: 'NOT_FOUND' }, 404);
      if (phaseOf(job, state.now()).status === 'COMPLETED')
        return c.json({ status: 'ALREADY_COMPLETED' }, 400);
      job.cancelled = true;
      job.cancelledAt = state.now();
      return c.json({ status: 'CANCELLATION_REQUESTED' }, 202);
    });
  });

  // Submit: POST /{endpoint_id}
  q.post('/*', faults.route('queue.submit', err), async (c) => {
    const endpointId = new URL(c.req.url).pathname.replace(/^\/queue\//, '');
    const key = state.keyOf(c);
    const denied = requireKey(key);
    if (denied) return c.json({ detail: denied.detail }, denied.status);
    const model = state.byId.get(endpointId);
    if (!model) return c.json({ detail: `Application '${endpointId}' not found` }, 404);
    const input = await c.req.json().catch(() => undefined);
    const issues = validateInput(model.input_schema, input);
    if (issues.length > 0) return c.json({ detail: issues }, 422);
    const requestId = state.nextRequestId();
    const app = appOf(endpointId);
    // What fails only when the model runs (and is billed): fal's 422 before queueing checks types only.
    const fail = runFailure(state, endpointId, input as Record<string, unknown>, origin());
    const timing = fail ? { ...state.timingFor(endpointId), fail } : state.timingFor(endpointId);
    const job: Job = {
      requestId,
      endpointId,
      app,
      key,
      input: input as Record<string, unknown>,
      submittedAt: state.now(),
      timing,
      cancelled: false,
      webhook: new URL(c.req.url).searchParams.get('fal_webhook') ?? undefined,
      result: undefined,
      storeIo: c.req.header('x-fal-store-io') !== '0',
    };
    const lifetime = lifetimeOf(c.req.header('x-fal-object-lifecycle-preference'));
    if (lifetime !== undefined) job.mediaExpiresAt = job.submittedAt + lifetime * 1000;
    state.jobs.set(requestId, job);
    state.requestLog.push(job);
    scheduleWebhook(state, job, sizedResultOf);
    const base = `${origin()}/queue/${app}/requests/${requestId}`;
    return c.json({
      status: 'IN_QUEUE',
      request_id: requestId,
      response_url: base,
      status_url: `${base}/status`,
      cancel_url: `${base}/cancel`,
      queue_position: timing.queuePosition ?? 0,
    });
  });

  return q;
}

const ELEVENLABS_VOICES = new Set(
  'rachel drew clyde paul aria domi dave roger fin sarah antoni laura thomas charlie george emily elli callum patrick river harry liam dorothy josh arnold charlotte alice matilda james joseph will jeremy jessica eric michael ethan chris gigi freya santa claus brian grace daniel lily serena adam nicole bill jessie sam glinda giovanni mimi'
    .replace('santa claus', 'santa_claus')
    .split(' ')
    .map((v) => v.replace('_', ' ')),
);

/**
 * Failures a real model meets while running, after fal has accepted (and will bill) the request:
 * an input file that is not there (a one-time upload URL nobody uploaded to), or a voice
 * ElevenLabs does not have.
 */
function runFailure(
  state: EmulatorState,
  endpointId: string,
  input: Record<string, unknown>,
  origin: string,
): { error: string; error_type: string; status: number } | undefined {
  const files = `${origin}/cdn/files/`;
  for (const value of Object.values(input)) {
    for (const url of Array.isArray(value) ? value : [value]) {
      if (typeof url !== 'string' || !url.startsWith(files)) continue;
      const token = url.slice(files.length).split('/')[0] ?? '';
      if (!state.files.has(token)) {
        return {
          error: `Failed to download the file from ${url}: 404`,
          error_type: 'file_download_error',
          status: 422,
        };
      }
    }
  }
  const voice = input.voice;
  if (endpointId.startsWith('fal-ai/elevenlabs/tts/') && typeof voice === 'string') {
    if (!ELEVENLABS_VOICES.has(voice.toLowerCase()) && !/^[A-Za-z0-9]{20}$/.test(voice)) {
      return {
        error: `A voice with the voice_id ${voice} was not found.`,
        error_type: 'voice_not_found',
        status: 422,
      };
    }
  }
  return undefined;
}

/** A finished job's output: the test's own, or one made from the model's output schema (made once, then kept). */
export function resultOfJob(state: EmulatorState, job: Job, origin: string): unknown {
  job.result ??=
    job.timing.output?.(`${origin}/cdn`, job.requestId) ??
    sampleOutput(state.byId.get(job.endpointId)?.output_schema ?? {}, {
      cdn: `${origin}/cdn`,
      requestId: job.requestId,
      input: inputOfJob(state, job),
    });
  return job.result;
}

/** The result as fal sends it: a made-up result's files state the bytes the CDN serves (drawn once, off the loop). */
export async function sizedResultOfJob(state: EmulatorState, job: Job, origin: string): Promise<unknown> {
  const result = resultOfJob(state, job, origin);
  if (job.timing.output) return result;
  job.sized ??= sizeFiles(result, `${origin}/cdn/${job.requestId}/`, frameOf(inputOfJob(state, job)));
  await job.sized;
  return result;
}

/** What the model works from: its defaults where the input is silent (FLUX ultra: 16:9). */
export function inputOfJob(state: EmulatorState, job: Job): Record<string, unknown> {
  return { ...defaultsOf(state.byId.get(job.endpointId)?.input_schema), ...job.input };
}

async function sizeFiles(value: unknown, prefix: string, frame: [number, number]): Promise<void> {
  if (Array.isArray(value)) {
    await Promise.all(value.map((v) => sizeFiles(v, prefix, frame)));
  } else if (typeof value === 'object' && value !== null) {
    const file = value as Record<string, unknown>;
    if (typeof file.url === 'string' && file.url.startsWith(prefix)) {
      file.file_size = (await cdnFile(file.url.slice(prefix.length), frame)).bytes.length;
    } else await Promise.all(Object.values(file).map((v) => sizeFiles(v, prefix, frame)));
  }
}

/** `{"expiration_duration_seconds": N}`, fal's lifecycle preference: N, or undefined when absent or garbled. */
export function lifetimeOf(header: string | undefined): number | undefined {
  if (!header) return undefined;
  try {
    const seconds = (JSON.parse(header) as { expiration_duration_seconds?: unknown })
      .expiration_duration_seconds;
    return typeof seconds === 'number' && seconds >= 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}

function defaultsOf(schema: { properties?: Record<string, { default?: unknown }> } | undefined) {
  return Object.fromEntries(
    Object.entries(schema?.properties ?? {}).flatMap(([k, p]) =>
      p.default !== undefined ? [[k, p.default]] : [],
    ),
  );
}

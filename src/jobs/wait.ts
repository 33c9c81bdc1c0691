import type { Credential, FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { fetchStatus, type QueueStatus } from '../fal/queue.js';
import { streamStatus } from '../fal/status-stream.js';
import { deadline } from '../lib/deadline.js';

export interface WaitOptions {
  waitMs: number;
  signal: AbortSignal;
  /** Called after every status poll. */
  onStatus?: (status: QueueStatus, poll: number) => Promise<void> | void;
  logs?: boolean;
  /** fal is never polled more than once a second per job. */
  minIntervalMs?: number;
  /** Slow jobs are polled every 3 s at most, so progress reaches the client at least every 5 s. */
  maxIntervalMs?: number;
  /** Time and waiting between polls; tests pass a virtual clock. */
  clock?: WaitClock;
  /** Wait on fal's status stream first (default), polling only if it cannot be opened or breaks. */
  stream?: boolean;
  /** While the stream is quiet, onQuiet is called this often (progress keeps flowing). */
  quietMs?: number;
  onQuiet?: (last: QueueStatus | undefined) => Promise<void> | void;
  /** How long the stream may stay silent before polling takes over (fal's keep-alive is every 15 s). */
  streamIdleMs?: number;
  /** Told when the stream failed and polling took over (logs, metrics). */
  onFallback?: (reason: string) => void;
}

export interface WaitClock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface WaitOutcome {
  status: QueueStatus;
  /** Status requests made (polls); the stream counts as one. */
  polls: number;
  /** Whether the stream carried the wait to its end. */
  streamed?: boolean;
  /** The wait ended without completion: time ran out or the client went away. */
  ended: 'completed' | 'timeout' | 'aborted';
}

const REAL_CLOCK: WaitClock = { now: Date.now, sleep };

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Wait for a job: on fal's status stream (one request, statuses as they
 * happen, the result noticed the moment fal sends COMPLETED), or by polling
 * with backoff (1 s, then ×1.5 up to 3 s) when the stream cannot be opened or
 * breaks. Ends at completion, when the wait budget runs out, or when the
 * client aborts. An abort only stops the waiting: the fal job keeps running
 * and stays retrievable.
 */
export async function waitForJob(
  fal: FalClient,
  model: string,
  requestId: string,
  as: Credential,
  options: WaitOptions,
  initialDelayMs = 0,
): Promise<WaitOutcome> {
  const clock = options.clock ?? REAL_CLOCK;
  const deadline = clock.now() + options.waitMs;
  if (options.stream !== false) {
    const streamed = await followStream(fal, model, requestId, as, options);
    if (streamed.ended !== 'broken') return { ...streamed, ended: streamed.ended, polls: 1, streamed: true };
    options.onFallback?.(streamed.reason);
    return poll(fal, model, requestId, as, options, deadline, 0, 1);
  }
  return poll(fal, model, requestId, as, options, deadline, initialDelayMs, 0);
}

type StreamEnd =
  | { ended: 'completed' | 'timeout' | 'aborted'; status: QueueStatus }
  | { ended: 'broken'; reason: string };

async function followStream(
  fal: FalClient,
  model: string,
  requestId: string,
  as: Credential,
  options: WaitOptions,
): Promise<StreamEnd> {
  const budget = deadline(options.waitMs, options.signal);
  const signal = budget.signal;
  let last: QueueStatus | undefined;
  let events = 0;
  const quietMs = options.quietMs ?? 3_000;
  // fal sends nothing while a job sits still: the client still hears from us every quietMs.
  let lastHeard = Date.now();
  const quiet = options.onQuiet
    ? setInterval(
        () => {
          if (Date.now() - lastHeard < quietMs) return;
          lastHeard = Date.now();
          // From a timer nothing awaits: a failed notification must not become an unhandled rejection.
          Promise.resolve(options.onQuiet?.(last)).catch(() => undefined);
        },
        Math.max(50, Math.floor(quietMs / 4)),
      )
    : undefined;
  try {
    const logs = new LogLines();
    for await (const event of streamStatus(fal, model, requestId, as, {
      logs: options.logs ?? true,
      signal,
      ...(options.streamIdleMs ? { idleMs: options.streamIdleMs } : {}),
    })) {
      events++;
      // fal's stream sends each log line once, in the event after it was written: gather them.
      const status = event.logs ? { ...event, logs: logs.add(event.logs) } : event;
      last = status;
      lastHeard = Date.now();
      await options.onStatus?.(status, events);
      if (status.status === 'COMPLETED') return { ended: 'completed', status };
    }
  } catch (error) {
    if (!signal.aborted) {
      return { ended: 'broken', reason: error instanceof FalError ? error.message : String(error) };
    }
  } finally {
    clearInterval(quiet);
    budget.clear();
  }
  const status = last ?? { status: 'IN_QUEUE' as const };
  return { ended: options.signal.aborted ? 'aborted' : 'timeout', status };
}

/** Poll with backoff until completion, the deadline, or an abort. */
async function poll(
  fal: FalClient,
  model: string,
  requestId: string,
  as: Credential,
  options: WaitOptions,
  deadline: number,
  initialDelayMs: number,
  requestsSoFar: number,
): Promise<WaitOutcome> {
  const minInterval = options.minIntervalMs ?? 1000;
  const maxInterval = options.maxIntervalMs ?? 3000;
  const clock = options.clock ?? REAL_CLOCK;
  let interval = minInterval;
  let polls = requestsSoFar;
  const remainingAtStart = deadline - clock.now();
  if (initialDelayMs > 0) await clock.sleep(Math.min(initialDelayMs, remainingAtStart), options.signal);
  for (;;) {
    if (options.signal.aborted) {
      return { status: { status: 'IN_QUEUE' }, polls, ended: 'aborted' };
    }
    // The poll itself is not tied to the client's signal: an abort mid-request
    // must not be mistaken for an upstream failure.
    const status = await fetchStatus(fal, model, requestId, as, { logs: options.logs ?? true, deadline });
    polls++;
    await options.onStatus?.(status, polls);
    if (status.status === 'COMPLETED') return { status, polls, ended: 'completed' };
    const remaining = deadline - clock.now();
    if (remaining < interval || options.signal.aborted) {
      return { status, polls, ended: options.signal.aborted ? 'aborted' : 'timeout' };
    }
    await clock.sleep(interval, options.signal);
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}

type LogLine = NonNullable<QueueStatus['logs']>[number];

const idOf = (line: LogLine) => `${line.timestamp ?? ''}\n${line.message}`;

/** Log lines gathered across stream events, each once (a repeat of a line already seen is dropped), the latest 500. */
class LogLines {
  #seen = new Set<string>();
  #lines: LogLine[] = [];

  add(lines: readonly LogLine[]): LogLine[] {
    for (const line of lines) {
      const id = idOf(line);
      if (this.#seen.has(id)) continue;
      this.#seen.add(id);
      this.#lines.push(line);
    }
    if (this.#lines.length > 500) {
      this.#lines = this.#lines.slice(-500);
      this.#seen = new Set(this.#lines.map(idOf));
    }
    return this.#lines;
  }
}

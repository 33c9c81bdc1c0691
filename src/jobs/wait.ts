import type { Credential, FalClient } from '../fal/client.js';
import { fetchStatus, type QueueStatus } from '../fal/queue.js';

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
}

export interface WaitClock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export interface WaitOutcome {
  status: QueueStatus;
  polls: number;
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
 * Poll a job's status with backoff (1 s, then ×1.5 up to 3 s) until it
 * completes, the wait budget runs out, or the client aborts. An abort only
 * stops the waiting: the fal job keeps running and stays retrievable.
 */
export async function waitForJob(
  fal: FalClient,
  model: string,
  requestId: string,
  as: Credential,
  options: WaitOptions,
  initialDelayMs = 0,
): Promise<WaitOutcome> {
  const minInterval = options.minIntervalMs ?? 1000;
  const maxInterval = options.maxIntervalMs ?? 3000;
  const clock = options.clock ?? REAL_CLOCK;
  const deadline = clock.now() + options.waitMs;
  let interval = minInterval;
  let polls = 0;
  if (initialDelayMs > 0) await clock.sleep(Math.min(initialDelayMs, options.waitMs), options.signal);
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

import { vi } from 'vitest';

/**
 * Run `work` under fake timers and a fake Date while real sockets keep working:
 * between small steps of virtual time, the event loop gets a real turn for I/O.
 * A wait of seconds in the code under test passes in milliseconds of real time,
 * and what it waited is read from the virtual clock.
 */
export async function underFakeClock<T>(work: () => Promise<T>, stepMs = 10, maxSteps = 20_000): Promise<T> {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  try {
    let settled = false;
    const running = work().finally(() => {
      settled = true;
    });
    running.catch(() => undefined);
    for (let step = 0; step < maxSteps && !settled; step++) {
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(stepMs);
    }
    return await running;
  } finally {
    vi.useRealTimers();
  }
}

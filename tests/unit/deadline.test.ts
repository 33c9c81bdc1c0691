import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import { deadline } from '../../src/lib/deadline.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

describe('deadlines', () => {
  it('fire through garbage collections (on Node 20, AbortSignal.timeout inside AbortSignal.any does not)', async () => {
    const parent = new AbortController();
    const due = deadline(100, parent.signal);
    let fired = false;
    due.signal.addEventListener('abort', () => {
      fired = true;
    });
    await expect
      .poll(
        () => {
          gc();
          return fired;
        },
        { timeout: 3_000, interval: 20 },
      )
      .toBe(true);
    expect((due.signal.reason as Error).name).toBe('TimeoutError');
    expect(parent.signal.aborted).toBe(false);
  });

  it('follow their parent, and stop when cleared', () => {
    const parent = new AbortController();
    const followed = deadline(60_000, parent.signal);
    parent.abort(new Error('client left'));
    expect(followed.signal.aborted).toBe(true);
    expect((followed.signal.reason as Error).message).toBe('client left');
    vi.useFakeTimers();
    try {
      const cleared = deadline(20);
      cleared.clear();
      vi.advanceTimersByTime(1_000);
      expect(cleared.signal.aborted).toBe(false);
      const kept = deadline(20);
      vi.advanceTimersByTime(21);
      expect(kept.signal.aborted).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});

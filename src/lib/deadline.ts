/**
 * A signal that aborts after `ms`, or as soon as `parent` does. Built on a real
 * timer and a listener, not `AbortSignal.any([…, AbortSignal.timeout(ms)])`: on
 * Node 20 the timeout signal inside `any` is held weakly and, after a garbage
 * collection, never fires (seen: a 200 ms deadline still pending after 1 s of GCs).
 * Call `clear()` when the work ends.
 */
export function deadline(ms: number, parent?: AbortSignal): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The operation timed out.', 'TimeoutError')),
    Math.max(0, ms),
  );
  // Like AbortSignal.timeout: a pending deadline does not keep the process alive.
  timer.unref();
  const onParent = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParent();
  else parent?.addEventListener('abort', onParent, { once: true });
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      parent?.removeEventListener('abort', onParent);
    },
  };
}

/** How long work whose answer is only nice to have (a price shown, a balance) may hold a call up. */
export const NICE_TO_HAVE_MS = 1_500;

/**
 * The work's answer if it comes within `ms`, else `late` (the work goes on, its
 * answer or failure unobserved, so a cache it fills is still filled). The timer
 * is cleared when the work wins and never keeps the process alive.
 */
export function settleWithin<T, L>(work: Promise<T>, ms: number, late: L): Promise<T | L> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const lateAnswer = new Promise<L>((resolve) => {
    timer = setTimeout(resolve, ms, late);
    timer.unref();
  });
  return Promise.race([work, lateAnswer]).finally(() => clearTimeout(timer));
}

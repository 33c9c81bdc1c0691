import type { ServerResponse } from 'node:http';
import type { Context, Next } from 'hono';

/**
 * Run the rest of the chain and call `done` once the response has really
 * finished: its last byte sent or its connection gone. A streamed (SSE) answer
 * finishes long after the handler returns, so counting the return would let a
 * shutdown cut it off and make logs measure only its start. Under Node the
 * socket's `close` says it; in process (tests) the body is watched instead.
 */
export async function untilResponseDone(c: Context, next: Next, done: () => void): Promise<void> {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    done();
  };
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (outgoing && typeof outgoing.once === 'function') {
    outgoing.once('close', once);
    await next();
    return;
  }
  try {
    await next();
  } catch (error) {
    once();
    throw error;
  }
  const body = c.res.body;
  if (!body || !c.res.headers.get('content-type')?.includes('text/event-stream')) return once();
  const reader = body.getReader();
  const watched = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done: ended, value } = await reader.read();
        if (ended) {
          controller.close();
          once();
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        once();
      }
    },
    async cancel(reason) {
      await reader.cancel(reason).catch(() => undefined);
      once();
    },
  });
  c.res = new Response(watched, { status: c.res.status, headers: c.res.headers });
}

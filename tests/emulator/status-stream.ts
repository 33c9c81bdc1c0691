import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { EmulatorState } from './state.js';

/**
 * fal's status stream (`…/status/stream`): a server-sent event with the status
 * object whenever it changes (queue position, phase, a new log line; each
 * event carries only the log lines not sent yet, as the official client's
 * appending of them implies), a
 * keep-alive comment every `state.streamKeepAliveMs` (15 s at fal), closed
 * after the COMPLETED event. `state.streamCutAfterEvents` makes it break
 * mid-way, as a dropped connection would.
 */
export function streamStatus(
  c: Context,
  state: EmulatorState,
  current: () => Record<string, unknown> & { status: string },
): Response {
  return streamSSE(c, async (stream) => {
    let closed = false;
    stream.onAbort(() => {
      closed = true;
    });
    let sent = '';
    let linesSent = 0;
    let events = 0;
    let quietSince = Date.now();
    while (!closed) {
      const body = current();
      const text = JSON.stringify(body);
      if (text !== sent) {
        sent = text;
        const logs = Array.isArray(body.logs) ? body.logs : undefined;
        await stream.writeSSE({
          data: logs ? JSON.stringify({ ...body, logs: logs.slice(linesSent) }) : text,
        });
        linesSent = logs?.length ?? linesSent;
        events++;
        quietSince = Date.now();
        if (body.status === 'COMPLETED') break;
        if (state.streamCutAfterEvents !== undefined && events >= state.streamCutAfterEvents) {
          const incoming = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming;
          incoming?.socket?.destroy();
          return;
        }
      } else if (Date.now() - quietSince >= state.streamKeepAliveMs) {
        await stream.write(': keep-alive\n\n');
        quietSince = Date.now();
      }
      await stream.sleep(state.streamTickMs);
    }
  });
}

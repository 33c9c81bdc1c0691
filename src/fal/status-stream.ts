import { createParser, type EventSourceMessage } from 'eventsource-parser';
import * as v from 'valibot';
import type { Credential, FalClient } from './client.js';
import { FalError } from './errors.js';
import { type QueueStatus, QueueStatusSchema } from './queue.js';
import { queuePaths } from './queue-paths.js';

export interface StatusStreamOptions {
  logs: boolean;
  signal: AbortSignal;
  /** fal sends a keep-alive comment every 15 s: this long without a byte means the stream is dead. */
  idleMs?: number;
  /** Largest single event (a status with its logs). */
  maxEventBytes?: number;
  /** Most bytes read from one stream in all (statuses repeat their logs). */
  maxBytes?: number;
}

const broken = (message: string) => new FalError({ kind: 'unavailable', message });

/**
 * fal's status stream (`…/requests/{id}/status/stream`): one status object per
 * server-sent event, closed by fal after COMPLETED. Yields each status as it
 * arrives. Throws a FalError when the stream cannot be opened, breaks, goes
 * quiet, or sends too much: the caller falls back to polling.
 */
export async function* streamStatus(
  fal: FalClient,
  endpointId: string,
  requestId: string,
  as: Credential,
  options: StatusStreamOptions,
): AsyncGenerator<QueueStatus> {
  const idleMs = options.idleMs ?? 30_000;
  const maxBytes = options.maxBytes ?? fal.maxResponseBytes;
  // The caller's abort is forwarded by a listener, not AbortSignal.any: on Node 20 a signal made by
  // `any` and held only by fetch can be collected, and then the caller's abort never reaches fetch.
  const local = new AbortController();
  const forward = () => local.abort(options.signal.reason);
  if (options.signal.aborted) forward();
  else options.signal.addEventListener('abort', forward, { once: true });
  let body: ReadableStream<Uint8Array>;
  try {
    body = await fal.openEventStream({
      route: 'queue.stream',
      path: `${queuePaths.status(endpointId, requestId)}/stream`,
      searchParams: new URLSearchParams(options.logs ? { logs: '1' } : {}),
      as,
      signal: local.signal,
    });
  } catch (error) {
    options.signal.removeEventListener('abort', forward);
    throw error;
  }
  const events: EventSourceMessage[] = [];
  let parseError: Error | undefined;
  const parser = createParser({
    maxBufferSize: options.maxEventBytes ?? 1024 * 1024,
    onEvent: (event) => events.push(event),
    onError: (error) => {
      parseError = error;
    },
  });
  const reader = body.getReader();
  // Stop reading the moment we stop waiting: ky hands fetch an AbortSignal.any of ours, which on
  // Node 20 a garbage collection can sever from it, so the body is cancelled here directly.
  local.signal.addEventListener('abort', () => void reader.cancel().catch(() => undefined), { once: true });
  const decoder = new TextDecoder();
  let read = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  const quiet = () => {
    clearTimeout(idle);
    idle = setTimeout(
      () => local.abort(broken(`fal's status stream was silent for ${idleMs / 1000} s`)),
      idleMs,
    );
  };
  try {
    quiet();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (options.signal.aborted) return;
        throw local.signal.reason instanceof FalError
          ? local.signal.reason
          : broken(`fal's status stream broke (${String(error)})`);
      }
      if (chunk.done) {
        if (options.signal.aborted) return;
        if (local.signal.reason instanceof FalError) throw local.signal.reason;
        break;
      }
      quiet();
      read += chunk.value.byteLength;
      if (read > maxBytes) throw broken(`fal's status stream sent more than ${maxBytes} bytes`);
      parser.feed(decoder.decode(chunk.value, { stream: true }));
      if (parseError) throw broken(`fal's status stream could not be read (${parseError.message})`);
      for (const event of events.splice(0)) {
        const status = parseStatus(event.data);
        yield status;
        if (status.status === 'COMPLETED') return;
      }
    }
    throw broken("fal's status stream closed before the job completed");
  } finally {
    clearTimeout(idle);
    options.signal.removeEventListener('abort', forward);
    local.abort();
    reader.cancel().catch(() => undefined);
  }
}

function parseStatus(data: string): QueueStatus {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new FalError({
      kind: 'bad_response',
      message: "fal's status stream sent an event that is not JSON",
    });
  }
  const parsed = v.safeParse(QueueStatusSchema, json);
  if (!parsed.success) {
    throw new FalError({ kind: 'bad_response', message: "fal's status stream sent an unexpected status" });
  }
  return parsed.output;
}

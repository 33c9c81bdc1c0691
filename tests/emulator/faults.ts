import { setTimeout as delay } from 'node:timers/promises';
import type { Context, MiddlewareHandler } from 'hono';
import type { FalRoute } from '../../src/fal/routes.js';

/** Routes a fault can target: the server's own list of fal routes, and the CDN that serves results. */
export type RouteName = FalRoute | 'cdn';

export interface Fault {
  /** Answer with this status and an error body in fal's dialect for the route. */
  status?: number;
  /** Seconds for a Retry-After header. */
  retryAfter?: number;
  /** More headers on the fault's answer (X-Fal-Retryable, …). */
  headers?: Record<string, string>;
  /** Replace the error body. */
  body?: unknown;
  /** Wait before answering (or before failing); use with a small client timeout to simulate timeouts. */
  delayMs?: number;
  /** Answer 200 with a body that is not JSON. */
  malformed?: boolean;
  /** Close the connection without answering. */
  drop?: boolean;
  /** Do the work (a submit is accepted, a job created), then close the connection instead of answering. */
  resetAfterHandling?: boolean;
  /** Only calls carrying this fal key (per-tenant faults). */
  key?: string;
  /** Only on the nth matching call and later (1-based). */
  after?: number;
  /** How many calls this fault applies to (default: all). */
  times?: number;
  /** Only calls matching this predicate. */
  when?: (c: Context) => boolean;
}

export interface RecordedCall {
  route: RouteName;
  method: string;
  path: string;
  query: string;
  /** The fal key the call carried (`Authorization: Key …`), or null. */
  key: string | null;
  /** Its headers, lower-case, without Authorization (the key is in `key`). */
  headers: Record<string, string>;
  at: number;
}

export class FaultBook {
  #faults = new Map<RouteName, (Fault & { seen: number; used: number })[]>();
  readonly calls: RecordedCall[] = [];

  inject(route: RouteName, fault: Fault): void {
    const list = this.#faults.get(route) ?? [];
    list.push({ ...fault, seen: 0, used: 0 });
    this.#faults.set(route, list);
  }

  clear(): void {
    this.#faults.clear();
    this.calls.length = 0;
  }

  callsTo(route: RouteName): RecordedCall[] {
    return this.calls.filter((c) => c.route === route);
  }

  /** Middleware for one named route: record the call, then apply a matching fault. */
  route(name: RouteName, errorBody: (status: number) => unknown): MiddlewareHandler {
    return async (c, next) => {
      const url = new URL(c.req.url);
      this.calls.push({
        route: name,
        method: c.req.method,
        path: url.pathname,
        query: url.search,
        key: keyOf(c.req.header('authorization')),
        headers: Object.fromEntries([...c.req.raw.headers].filter(([name]) => name !== 'authorization')),
        at: Date.now(),
      });
      const fault = this.#take(name, c);
      if (!fault) return next();
      // A slow answer, cut short when the caller hangs up (as a real server stops waiting for it).
      if (fault.delayMs)
        await delay(fault.delayMs, undefined, { signal: c.req.raw.signal }).catch(() => undefined);
      if (fault.resetAfterHandling) {
        await next();
        destroySocket(c);
        return new Response(null, { status: 500 });
      }
      if (fault.drop) {
        destroySocket(c);
        return new Response(null, { status: 500 });
      }
      if (fault.malformed)
        return c.body('{"models": [ this is not json', 200, { 'content-type': 'application/json' });
      if (fault.status) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        Object.assign(headers, fault.headers);
        return c.body(JSON.stringify(fault.body ?? errorBody(fault.status)), fault.status as 400, headers);
      }
      return next();
    };
  }

  #take(name: RouteName, c: Context): Fault | undefined {
    for (const fault of this.#faults.get(name) ?? []) {
      if (fault.when && !fault.when(c)) continue;
      if (fault.key !== undefined && keyOf(c.req.header('authorization')) !== fault.key) continue;
      fault.seen++;
      if (fault.after && fault.seen < fault.after) continue;
      if (fault.times !== undefined && fault.used >= fault.times) continue;
      fault.used++;
      return fault;
    }
    return undefined;
  }
}

/** Destroy the socket under the response: the client sees a reset. */
function destroySocket(c: Context): void {
  const incoming = (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming;
  incoming?.socket?.destroy();
}

function keyOf(header: string | undefined): string | null {
  const m = header ? /^Key\s+(.+)$/i.exec(header.trim()) : null;
  return m?.[1] ?? null;
}

const PLATFORM_TYPES: Record<number, string> = {
  400: 'validation_error',
  401: 'authorization_error',
  403: 'authorization_error',
  404: 'not_found',
  422: 'validation_error',
  429: 'rate_limited',
};

/** Platform API error dialect: `{"error":{"type","message"}}`. */
export function platformError(status: number, message?: string): unknown {
  return {
    error: {
      type: PLATFORM_TYPES[status] ?? 'server_error',
      message: message ?? (status >= 500 ? 'Internal server error' : `Request failed with status ${status}`),
    },
  };
}

/** Queue/model error dialect: `{"detail": …}`. */
export function queueError(status: number): unknown {
  if (status === 422)
    return { detail: [{ loc: ['body', 'prompt'], msg: 'field required', type: 'value_error.missing' }] };
  return {
    detail: status >= 500 ? 'Internal server error' : `Request failed with status ${status}`,
    error_type: status >= 500 ? 'internal_error' : 'client_error',
  };
}

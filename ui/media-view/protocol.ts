/**
 * The smallest client of the MCP Apps protocol (io.modelcontextprotocol/ui,
 * 2026-01-26) a view needs: JSON-RPC 2.0 over postMessage with the host.
 * ext-apps' own App class bundles to ~590 KB with its dependencies; this is
 * the part of it the view uses, checked against the real AppBridge in tests.
 */
type Handler = (params: Record<string, unknown>) => void;

export interface HostLink {
  request<T = Record<string, unknown>>(method: string, params: Record<string, unknown>): Promise<T>;
  notify(method: string, params?: Record<string, unknown>): void;
  on(method: string, handler: Handler): void;
}

export function connectToHost(target: Window = window.parent): HostLink {
  let next = 0;
  const pending = new Map<number, { resolve: (v: never) => void; reject: (e: unknown) => void }>();
  const handlers = new Map<string, Handler[]>();
  const post = (message: Record<string, unknown>) => target.postMessage({ jsonrpc: '2.0', ...message }, '*');
  window.addEventListener('message', (event) => {
    if (event.source !== target) return;
    const m = event.data as {
      jsonrpc?: string;
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: unknown;
      error?: { message?: string };
    };
    if (m?.jsonrpc !== '2.0') return;
    if (m.method === undefined && typeof m.id === 'number') {
      const waiting = pending.get(m.id);
      pending.delete(m.id);
      if (m.error) waiting?.reject(new Error(m.error.message ?? 'host error'));
      else waiting?.resolve(m.result as never);
      return;
    }
    if (m.method) {
      for (const h of handlers.get(m.method) ?? []) h(m.params ?? {});
      // Requests from the host (e.g. ui/resource-teardown) get an empty answer.
      if (typeof m.id === 'number') post({ id: m.id, result: {} });
    }
  });
  return {
    request: (method, params) =>
      new Promise((resolve, reject) => {
        const id = ++next;
        pending.set(id, { resolve: resolve as (v: never) => void, reject });
        post({ id, method, params });
      }),
    notify: (method, params = {}) => post({ method, params }),
    on: (method, handler) => handlers.set(method, [...(handlers.get(method) ?? []), handler]),
  };
}

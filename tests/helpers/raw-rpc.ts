/**
 * One raw 2026-07-28 request: the per-request envelope the spec requires, the
 * routing headers (Mcp-Method, Mcp-Name), and nothing an SDK client would add.
 * For protocol details the SDK clients do not expose (tasks, cache hints).
 */
export interface RawRpcOptions {
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  url: string;
  headers?: Record<string, string>;
  /** Client capabilities for `_meta` (e.g. `{ extensions: { 'io.modelcontextprotocol/tasks': {} } }`). */
  capabilities?: Record<string, unknown>;
  /** The Mcp-Name header (tool name, resource URI or task id). */
  name?: string;
  /** More `_meta` entries (e.g. `traceparent`). */
  meta?: Record<string, unknown>;
}

export interface RawRpcAnswer {
  status: number;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

export async function rawRpc(
  method: string,
  params: Record<string, unknown>,
  options: RawRpcOptions,
): Promise<RawRpcAnswer> {
  const res = await options.fetch(options.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(options.name ? { 'mcp-name': options.name } : {}),
      ...options.headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': options.capabilities ?? {},
          ...options.meta,
        },
      },
    }),
  });
  const text = await res.text();
  // A result may come as a one-event SSE stream (when progress was sent first): take the last data line.
  const json = text.startsWith('{')
    ? text
    : (text
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .at(-1)
        ?.slice(6) ?? '{}');
  const body = JSON.parse(json) as Omit<RawRpcAnswer, 'status'>;
  return { status: res.status, ...body };
}

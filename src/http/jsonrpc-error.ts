/** An HTTP-level refusal in the JSON-RPC shape MCP clients know how to show. */
export function jsonRpcErrorResponse(
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code = -32000,
  /** The request's own id when it could be read (the spec's error shapes require it then). */
  id: string | number | null = null,
): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

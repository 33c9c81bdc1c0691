import { describe, expect, it } from 'vitest';
import { connectModern } from '../helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

describe('/metrics', () => {
  it('is off unless enabled', async () => {
    const h = await startHarness();
    try {
      expect((await h.app.request('/metrics')).status).toBe(404);
    } finally {
      await h.close();
    }
  });

  it('with a token: 401 without it; Prometheus text with requests, tool calls, upstream, catalogue and caches', async () => {
    const h = await startHarness({ env: { METRICS_TOKEN: 'scrape-token-123' } });
    try {
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'm-id:m-secret' },
      });
      await client.callTool('get_model_schema', { model: 'flux_dev' });
      await client.callTool('get_model_schema', { model: 'flux_dev' });
      await client.callTool('get_pricing', { models: ['nope_not_a_model'] });
      await client.close();
      // Names a caller makes up never become label values.
      for (const body of [
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'made_up_1', arguments: {} } },
        { jsonrpc: '2.0', id: 2, method: 'made/up/method', params: {} },
      ]) {
        await h.app.request('/mcp', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2099-01-01',
            'x-fal-key': 'm-id:m-secret',
          },
          body: JSON.stringify(body),
        });
      }

      expect((await h.app.request('/metrics')).status).toBe(401);
      const wrong = await h.app.request('/metrics', {
        headers: { authorization: 'Bearer scrape-token-124' },
      });
      expect(wrong.status).toBe(401);
      expect(await wrong.json()).toEqual({ error: 'send Authorization: Bearer <METRICS_TOKEN>' });
      const res = await h.app.request('/metrics', { headers: { authorization: 'Bearer scrape-token-123' } });
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
      const text = await res.text();
      expect(text).toMatch(/^fal_mcp_http_requests_total\{route="\/mcp",status="200"\} \d+$/m);
      expect(text).toMatch(/^fal_mcp_http_request_duration_seconds_count\{route="\/mcp"\} [1-9]\d*$/m);
      expect(text).toMatch(/^fal_mcp_http_request_duration_seconds_sum\{route="\/mcp"\} 0\.\d+/m);
      expect(text).toMatch(/^fal_mcp_tool_calls_total\{outcome="ok",tool="get_model_schema"\} 2$/m);
      expect(text).toMatch(/^fal_mcp_tool_calls_total\{outcome="error",tool="get_pricing"\} 1$/m);
      expect(text).toMatch(/^fal_mcp_upstream_requests_total\{api="platform",outcome="ok"\} \d+$/m);
      expect(text).toMatch(/^fal_mcp_upstream_duration_seconds_count\{api="platform"\} \d+$/m);
      expect(text).toMatch(/^fal_mcp_cache_lookups_total\{cache="schema",result="hit"\} 1$/m);
      expect(text).toMatch(/^fal_mcp_cache_lookups_total\{cache="schema",result="miss"\} 1$/m);
      expect(text).toMatch(/^fal_mcp_catalogue\{measure="models"\} 1207$/m);
      expect(text).toMatch(/^fal_mcp_catalogue\{measure="crawls"\} 1$/m);
      expect(text).toMatch(/^fal_mcp_upstream_circuit_open\{route="queue.submit"\} 0$/m);
      expect(text).toMatch(/^fal_mcp_upstream_tenant_circuits_open 0$/m);
      expect(text).toMatch(/^fal_mcp_shared_store_up\{kind="memory"\} 1$/m);
      // Durations are histograms: p95/p99 come from the buckets.
      expect(text).toMatch(
        /^fal_mcp_tool_call_duration_seconds_bucket\{le="\+Inf",tool="get_model_schema"\} 2$/m,
      );
      expect(text).toMatch(/^fal_mcp_http_request_duration_seconds_bucket\{le="0.005",route="\/mcp"\} \d+$/m);
      expect(text).toMatch(/^fal_mcp_upstream_duration_seconds_bucket\{le="60",api="platform"\} [1-9]\d*$/m);
      // OpenTelemetry's mcp.server.operation.duration, as its Prometheus exporter names it.
      const operation = (labels: string) =>
        Number(
          new RegExp(`^mcp_server_operation_duration_seconds_count\\{${labels}\\} (\\d+)$`, 'm').exec(
            text,
          )?.[1],
        );
      expect(
        operation(
          'error_type="",gen_ai_tool_name="get_model_schema",mcp_method_name="tools/call",mcp_protocol_version="2026-07-28"',
        ),
      ).toBe(2);
      expect(
        operation(
          'error_type="tool_error",gen_ai_tool_name="get_pricing",mcp_method_name="tools/call",mcp_protocol_version="2026-07-28"',
        ),
      ).toBe(1);
      expect(
        operation(
          'error_type="[^"]*",gen_ai_tool_name="other",mcp_method_name="tools/call",mcp_protocol_version=""',
        ),
      ).toBe(1);
      expect(
        operation('error_type="[^"]*",gen_ai_tool_name="",mcp_method_name="other",mcp_protocol_version=""'),
      ).toBe(1);
      expect(text.split('\n').filter((l) => /made_up|made\/up|"2099-/.test(l))).toEqual([]);
      // Node's default process metrics.
      expect(text).toMatch(/^process_resident_memory_bytes [1-9]\d{6,}$/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes [1-9]\d{5,}$/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    } finally {
      await h.close();
    }
  });

  it('every request log line carries the request id, and tool lines the tenant', async () => {
    const h = await startHarness();
    try {
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'm-id:m-secret' },
      });
      await client.callTool('list_models', { limit: 1 });
      await client.close();
      const http = h.logRecords().filter((l) => l.msg === 'http');
      expect(http.length).toBeGreaterThan(0);
      expect(http.every((l) => typeof l.requestId === 'string' && typeof l.tenant === 'string')).toBe(true);
      const tool = h.logRecords().find((l) => l.msg === 'tool call');
      expect(tool).toMatchObject({
        requestId: expect.any(String),
        tenant: expect.stringMatching(/^t_/),
        tool: 'list_models',
      });
    } finally {
      await h.close();
    }
  });
});

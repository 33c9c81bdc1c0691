import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startTracing } from '../../src/telemetry/tracing.js';
import { connectLegacy } from '../helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { rawRpc } from '../helpers/raw-rpc.js';

const KEY = 'trace-id:trace-secret-value';
const PROMPT = 'a secret lighthouse prompt';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

type Attr = { key: string; value: Record<string, unknown> };
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Attr[];
}
const attrs = (span: OtlpSpan) =>
  Object.fromEntries(span.attributes.map((a) => [a.key, Object.values(a.value)[0]]));

/** A real OTLP/HTTP receiver on loopback: keeps every export it is sent. */
async function startReceiver() {
  const exports: { contentType: string; body: Buffer }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces')
        exports.push({ contentType: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
      res.end(req.headers['content-type']?.includes('json') ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const spans = () =>
    exports
      .filter((e) => e.contentType.includes('json'))
      .flatMap((e) => {
        const doc = JSON.parse(e.body.toString()) as {
          resourceSpans: { resource: { attributes: Attr[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        return doc.resourceSpans.flatMap((r) =>
          r.scopeSpans.flatMap((s) => s.spans.map((span) => ({ ...span, resource: r.resource.attributes }))),
        );
      });
  return { url, exports, spans, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('OpenTelemetry traces, checked against a real OTLP receiver on loopback', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  it('a run is a server span named by the MCP conventions, child of the caller’s traceparent, with a client span per fal call', async () => {
    const h = await startHarness({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'fal-mcp-test',
      },
    });
    h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
    const call = (name: string, args: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
      rawRpc(
        'tools/call',
        { name, arguments: args },
        {
          fetch: h.inProcessFetch as never,
          url: IN_PROCESS_URL,
          headers: { 'X-Fal-Key': KEY },
          name,
          meta,
        },
      );
    const run = await call(
      'run_model',
      { model: 'flux_schnell', input: { prompt: PROMPT } },
      {
        traceparent: `00-${TRACE_ID}-${PARENT}-01`,
      },
    );
    expect(run.result?.isError).toBeFalsy();
    const refused = await call('run_model', { model: 'no_such_model_xyz', input: {} });
    expect(refused.result?.isError).toBe(true);
    // A 2025-era client sends its trace context as the W3C header.
    const legacy = await connectLegacy({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
    });
    await legacy.callTool('list_models', { limit: 1 });
    await legacy.close();
    await h.close(); // flushes what is buffered

    const spans = receiver.spans();
    const server = spans.find((s) => s.name === 'tools/call run_model' && s.traceId === TRACE_ID);
    if (!server) throw new Error(`no run_model server span among ${spans.map((s) => s.name).join(', ')}`);
    expect(server.kind).toBe(2); // SERVER
    expect(server.parentSpanId).toBe(PARENT);
    expect(attrs(server)).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'run_model',
      'gen_ai.operation.name': 'execute_tool',
      'jsonrpc.request.id': '1',
      'mcp.protocol.version': '2026-07-28',
      'http.response.status_code': 200,
    });
    expect(attrs(server)['error.type']).toBeUndefined();
    expect(Object.fromEntries(server.resource.map((a) => [a.key, Object.values(a.value)[0]]))).toMatchObject({
      'service.name': 'fal-mcp-test',
    });
    const children = spans.filter((s) => s.parentSpanId === server.spanId);
    expect(children.map((s) => s.name)).toEqual(
      expect.arrayContaining(['fal queue.submit', 'fal queue.result']),
    );
    for (const child of children) {
      expect(child.traceId).toBe(TRACE_ID);
      expect(child.kind).toBe(3); // CLIENT
      expect(attrs(child)).toMatchObject({
        'fal.route': child.name.slice(4),
        'server.address': new URL(h.emulator.origin).host,
        'http.response.status_code': 200,
      });
    }
    const failed = spans.find((s) => s.name === 'tools/call run_model' && s.traceId !== TRACE_ID);
    expect(attrs(failed as OtlpSpan)['error.type']).toBe('tool_error');
    const fromHeader = spans.find((s) => s.name === 'tools/call list_models');
    expect(fromHeader).toMatchObject({ traceId: 'a'.repeat(32), parentSpanId: 'b'.repeat(16) });
    // Never a key, an argument or a result.
    const sent = receiver.exports.map((e) => e.body.toString()).join('\n');
    for (const secret of ['trace-secret-value', PROMPT, 'Key ', 'cdn/', 'flux_schnell"']) {
      expect(sent).not.toContain(secret);
    }
  });

  it('http/protobuf (the default protocol) reaches the receiver too', async () => {
    const before = receiver.exports.length;
    const h = await startHarness({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    await rawRpc('tools/list', {}, { fetch: h.inProcessFetch as never, url: IN_PROCESS_URL });
    await h.close();
    const sent = receiver.exports.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    expect(sent[0]?.contentType).toBe('application/x-protobuf');
    expect(sent.some((e) => e.body.includes('tools/list'))).toBe(true);
  });

  it('without an endpoint nothing is loaded or exported; a bad protocol stops the start', async () => {
    expect(await startTracing(loadConfig({}).tracing, '0')).toBeUndefined();
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      /^OTEL_EXPORTER_OTLP_PROTOCOL: expected http\/protobuf or http\/json/,
    );
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: '2' })).toThrow(
      /^OTEL_TRACES_SAMPLER_ARG: expected a sampling ratio/,
    );
  });
});

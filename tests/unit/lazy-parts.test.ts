import { HTTPError, TimeoutError } from 'ky';
import { describe, expect, it } from 'vitest';
import { toFalError } from '../../src/fal/failures.js';
import { isHttpError, isKyTimeout } from '../../src/fal/ky-errors.js';
import { Metrics } from '../../src/metrics/metrics.js';

// Parts loaded on first use rather than at start (cold start): what they do must not change.

describe('ky errors told apart without importing ky', () => {
  const request = new Request('http://127.0.0.1/v1/models');
  const options = {} as ConstructorParameters<typeof HTTPError>[2];

  it("recognises ky's own errors", () => {
    const http = new HTTPError(new Response('no', { status: 503 }), request, options);
    const timeout = new TimeoutError(request);
    expect([isHttpError(http), isKyTimeout(http)]).toEqual([true, false]);
    expect([isHttpError(timeout), isKyTimeout(timeout)]).toEqual([false, true]);
  });

  it('does not take an aborted signal for ky’s timeout, nor a look-alike for an HTTP error', async () => {
    const aborted = AbortSignal.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    const named = Object.assign(new Error('x'), { name: 'HTTPError' });
    expect([isKyTimeout(aborted.reason), isHttpError(named)]).toEqual([false, false]);
    // Hence a call we stopped waiting for reads as cancelled, not as fal being slow.
    const failure = await toFalError(aborted.reason, true, aborted);
    expect(failure.message).toBe('the request to fal was cancelled');
    const slow = await toFalError(new TimeoutError(request), true);
    expect(slow.message).toBe('fal did not answer in time');
  });
});

describe('metrics before prom-client has loaded', () => {
  it('counts what was observed while it loaded', async () => {
    const metrics = new Metrics();
    metrics.http('/mcp', 200, 0.01);
    metrics.http('/mcp', 200, 0.02);
    metrics.tool('list_models', 'ok', 0.01);
    metrics.cache('schema', true);
    const { text, contentType } = await metrics.render();
    expect(contentType).toContain('text/plain');
    expect(text).toContain('fal_mcp_http_requests_total{route="/mcp",status="200"} 2');
    expect(text).toContain('fal_mcp_tool_calls_total{outcome="ok",tool="list_models"} 1');
    expect(text).toContain('fal_mcp_cache_lookups_total{cache="schema",result="hit"} 1');
    metrics.http('/mcp', 200, 0.01);
    expect((await metrics.render()).text).toContain(
      'fal_mcp_http_requests_total{route="/mcp",status="200"} 3',
    );
  });
});

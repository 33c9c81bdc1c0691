import type { Attributes, Span } from '@opentelemetry/api';

/**
 * Traces, when on. Every value of OpenTelemetry's API lives behind this object
 * (spans.ts, loaded with the SDK), so that a server without an endpoint never
 * loads it: ~20 ms of its cold start.
 */
export interface Tracing {
  /**
   * The server span of an MCP request, child of the caller's trace when it sent
   * one, bound to `owner`: the object that travels with everything the request
   * does (its caller), so that fal calls made for it become its children.
   */
  startRequestSpan(owner: object, message: McpMessage): Span;
  /** A client span for a call made for `owner`'s request (a root span when it has none). */
  startClientSpan(owner: object, name: string, attributes: Attributes): Span;
  /** The span failed: status ERROR, and `error.type` when known. */
  fail(span: Span, errorType?: string): void;
  /** The tool answered with isError: the conventions' `error.type`, on `owner`'s request span. */
  markToolError(owner: object): void;
  /** End a span when a response has been read to its end (an SSE answer outlives its handler). */
  endWithResponse(span: Span, response: Response): Response;
  /** Send what is buffered and stop (shutdown, tests). */
  shutdown(): Promise<void>;
}

/** What the server span of one MCP message is named and attributed by (OpenTelemetry's MCP conventions). */
export interface McpMessage {
  method: string | undefined;
  tool: string | undefined;
  id: string | number | undefined;
  protocolVersion: string | undefined;
  /** `params._meta.traceparent`/`tracestate`, else the HTTP headers. */
  carrier: Record<string, string>;
}

import {
  Client as ModernClient,
  StreamableHTTPClientTransport as ModernTransport,
} from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export type Era = '2026-07-28' | '2025-11-25';

/** Every tool result any test client received in this process, for the suite-wide leak check. */
export const receivedResults: string[] = [];

function record<T>(result: T): T {
  receivedResults.push(JSON.stringify(result));
  return result;
}

export interface ToolCallResult {
  content: { type: string; text?: string; uri?: string; mimeType?: string }[];
  structuredContent?: Record<string, unknown> | undefined;
  isError?: boolean | undefined;
}

/** The subset of both SDK clients the tests use, so each test runs against either era. */
export interface TestClient {
  era: Era;
  listTools(): Promise<
    { name: string; description?: string | undefined; inputSchema: unknown; outputSchema?: unknown }[]
  >;
  callTool(
    name: string,
    args: Record<string, unknown>,
    onProgress?: (p: { progress: number; total?: number | undefined; message?: string | undefined }) => void,
  ): Promise<ToolCallResult>;
  readResource(
    uri: string,
  ): Promise<{ contents: { uri: string; mimeType?: string | undefined; text?: string }[] }>;
  listResourceTemplates(): Promise<{ uriTemplate: string; name: string }[]>;
  completeTemplate(uriTemplate: string, argument: string, value: string): Promise<string[]>;
  close(): Promise<void>;
}

export interface ConnectOptions {
  url: string;
  headers?: Record<string, string>;
  /** Route requests into the app in process instead of over a socket. */
  fetch?: typeof fetch;
}

/** The calls both SDK clients make the same way (their call signatures differ only for tools). */
interface SdkClient {
  listTools(): Promise<{ tools: Awaited<ReturnType<TestClient['listTools']>> }>;
  readResource(params: { uri: string }): Promise<unknown>;
  listResourceTemplates(): Promise<{ resourceTemplates: { uriTemplate: string; name: string }[] }>;
  complete(params: {
    ref: { type: 'ref/resource'; uri: string };
    argument: { name: string; value: string };
  }): Promise<{ completion: { values: string[] } }>;
  close(): Promise<void>;
}

function sharedMethods(client: SdkClient): Omit<TestClient, 'era' | 'callTool'> {
  return {
    listTools: async () => (await client.listTools()).tools,
    readResource: async (uri) =>
      record((await client.readResource({ uri })) as Awaited<ReturnType<TestClient['readResource']>>),
    listResourceTemplates: async () => (await client.listResourceTemplates()).resourceTemplates,
    completeTemplate: async (uriTemplate, name, value) =>
      (await client.complete({ ref: { type: 'ref/resource', uri: uriTemplate }, argument: { name, value } }))
        .completion.values,
    close: () => client.close(),
  };
}

/** A 2026-07-28 client: `@modelcontextprotocol/client` pinned to the stateless protocol. */
export async function connectModern(opts: ConnectOptions): Promise<TestClient> {
  const client = new ModernClient(
    { name: 'test-modern', version: '1.0.0' },
    { versionNegotiation: { mode: { pin: '2026-07-28' } } },
  );
  const transport = new ModernTransport(new URL(opts.url), {
    requestInit: { headers: opts.headers ?? {} },
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  await client.connect(transport);
  return {
    era: '2026-07-28',
    callTool: async (name, args, onProgress) =>
      record(
        (await client.callTool(
          { name, arguments: args },
          onProgress ? { onprogress: onProgress } : undefined,
        )) as ToolCallResult,
      ),
    ...sharedMethods(client),
  };
}

/** A 2025-11-25 client: `@modelcontextprotocol/sdk` 1.x, initialize first. */
export async function connectLegacy(opts: ConnectOptions): Promise<TestClient> {
  const client = new LegacyClient({ name: 'test-legacy', version: '1.0.0' });
  const transport = new LegacyTransport(new URL(opts.url), {
    requestInit: { headers: opts.headers ?? {} },
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  await client.connect(transport);
  return {
    era: '2025-11-25',
    callTool: async (name, args, onProgress) =>
      record(
        (await client.callTool(
          { name, arguments: args },
          undefined,
          onProgress ? { onprogress: onProgress } : undefined,
        )) as ToolCallResult,
      ),
    ...sharedMethods(client),
  };
}

export const CLIENTS = { modern: connectModern, legacy: connectLegacy } as const;

/** The text of a result's first text block. */
export function textOf(result: ToolCallResult): string {
  return result.content.find((c) => c.type === 'text')?.text ?? '';
}

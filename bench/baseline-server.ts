/**
 * The floor: Hono + the same MCP SDK, stateless, one trivial echo tool.
 * Everything our server does on top of this is what the benchmark measures.
 *
 * With BASELINE_REPLAY=<file> it is instead the "same answer" floor: it registers,
 * per request and the SDK's usual way, the tool definitions our server lists
 * (JSON Schemas through fromJsonSchema) and answers each benchmarked call with
 * the exact result our server gave, doing no work of its own. The gap between
 * that and the echo is the cost of the answer's size; the gap between it and
 * our server is our own work.
 */
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import {
  type CallToolResult,
  createMcpHandler,
  fromJsonSchema,
  type JsonSchemaType,
  McpServer,
  type Tool,
} from '@modelcontextprotocol/server';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { Hono } from 'hono';
import * as v from 'valibot';

interface Replay {
  tools: Tool[];
  /** `${tool name} ${JSON.stringify(arguments)}` → the result our server returned. */
  results: Record<string, CallToolResult>;
}
const replay: Replay | undefined = process.env.BASELINE_REPLAY
  ? (JSON.parse(readFileSync(process.env.BASELINE_REPLAY, 'utf8')) as Replay)
  : undefined;

const Echo = toStandardJsonSchema(v.object({ text: v.string() }));
const handler = createMcpHandler(
  () => {
    const server = new McpServer({ name: 'baseline', version: '1.0.0' }, { capabilities: { tools: {} } });
    if (!replay) {
      server.registerTool(
        'echo',
        { description: 'Echo the text back.', inputSchema: Echo },
        async ({ text }) => ({
          content: [{ type: 'text', text }],
        }),
      );
      return server;
    }
    for (const tool of replay.tools) {
      server.registerTool(
        tool.name,
        {
          ...(tool.title ? { title: tool.title } : {}),
          ...(tool.description ? { description: tool.description } : {}),
          inputSchema: fromJsonSchema<Record<string, unknown>>(tool.inputSchema as JsonSchemaType),
          ...(tool.outputSchema
            ? { outputSchema: fromJsonSchema<Record<string, unknown>>(tool.outputSchema as JsonSchemaType) }
            : {}),
          ...(tool.annotations ? { annotations: tool.annotations } : {}),
        },
        async (args: Record<string, unknown>) =>
          replay.results[`${tool.name} ${JSON.stringify(args)}`] ?? {
            content: [{ type: 'text', text: 'no recorded result' }],
            isError: true,
          },
      );
    }
    return server;
  },
  { legacy: 'stateless' },
);
const app = new Hono();
app.post('/mcp', (c) => handler.fetch(c.req.raw));
app.get('/health', (c) => c.json({ status: 'ok' }));
serve(
  { fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' },
  (info: AddressInfo) => {
    process.stderr.write(
      `${JSON.stringify({ msg: 'listening', url: `http://127.0.0.1:${info.port}/mcp` })}\n`,
    );
  },
);
// Exit cleanly on SIGTERM so `--cpu-prof` (npm run bench:profile) can write its profile.
process.once('SIGTERM', () => process.exit(0));

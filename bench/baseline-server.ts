/**
 * The floor: Hono + the same MCP SDK, stateless, one trivial echo tool.
 * Everything our server does on top of this is what the benchmark measures.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import { Hono } from 'hono';
import * as v from 'valibot';

const Echo = toStandardJsonSchema(v.object({ text: v.string() }));
const handler = createMcpHandler(
  () => {
    const server = new McpServer({ name: 'baseline', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.registerTool(
      'echo',
      { description: 'Echo the text back.', inputSchema: Echo },
      async ({ text }) => ({
        content: [{ type: 'text', text }],
      }),
    );
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

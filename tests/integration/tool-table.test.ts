import { existsSync, readdirSync } from 'node:fs';
import { McpServer } from '@modelcontextprotocol/server';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../../src/auth/caller.js';
import { precomputedSchema } from '../../src/mcp/json-schema.js';
import { createServerFactory } from '../../src/mcp/server.js';
import { TaskService } from '../../src/mcp/tasks/task-service.js';
import { buildToolTable } from '../../src/mcp/tool-table.js';
import { selectionFrom } from '../../src/mcp/toolsets.js';
import { mediaViewResource } from '../../src/resources/media-view.js';
import { READS } from '../../src/tools/annotations.js';
import { defineTool, type NeedsKey } from '../../src/tools/define-tool.js';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { connectModern } from '../helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const DESCRIPTION_BUDGET = 600;

/** The run options every media tool shares; only these may be listed without words (another tool describes them). */
const SHARED_RUN_OPTIONS = new Set([
  'model',
  'wait_seconds',
  'max_cost_usd',
  'idempotency_key',
  'accept_nearest',
  'store_payload',
  'expiration_seconds',
  'seed',
  'negative_prompt',
]);

describe('the tool table', () => {
  it.each(ALL_TOOLS.map((t) => [t.name, t] as const))('%s is complete and consistent', (name, tool) => {
    expect(name).toMatch(/^[a-z]+(_[a-z]+)*$/);
    // One tool per file, named after the tool.
    expect(existsSync(new URL(`../../src/tools/${name.replaceAll('_', '-')}.ts`, import.meta.url))).toBe(
      true,
    );
    expect(tool.description.length).toBeLessThanOrEqual(DESCRIPTION_BUDGET);
    expect(tool.title.length).toBeGreaterThan(0);
    for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
      expect(typeof tool.annotations[hint]).toBe('boolean');
    }
    const output = precomputedSchema(tool.output)['~standard'].jsonSchema.output({ target: 'draft-2020-12' });
    expect(output).toMatchObject({ type: 'object' });
  });

  it('every tool that spends or reads an account declares that it needs a key', () => {
    for (const tool of ALL_TOOLS) {
      if (!tool.annotations.readOnlyHint)
        expect([tool.name, tool.needsKey !== false]).toEqual([tool.name, true]);
    }
    expect(ALL_TOOLS.filter((t) => t.needsKey === 'admin').map((t) => t.name)).toEqual([
      'get_usage',
      'delete_payloads',
    ]);
  });

  it('refuses a keyless call to a keyed tool before its handler runs', async () => {
    const h = await startHarness();
    try {
      const ran: string[] = [];
      const probe = (needsKey: NeedsKey) =>
        defineTool({
          name: `probe_${needsKey}`,
          title: 'probe',
          group: 'discovery',
          description: 'probe',
          input: v.object({}),
          output: v.object({}),
          annotations: READS,
          needsKey,
          handler: async () => {
            ran.push(String(needsKey));
            return { structured: {}, text: 'ran' };
          },
        });
      const table = buildToolTable([probe('any'), probe('admin'), probe(false)], h.services);
      const ctx = {
        http: { authInfo: { extra: { caller: ANONYMOUS, requestId: 'r1' } } },
        mcpReq: { signal: new AbortController().signal, notify: async () => {} },
      } as unknown as Parameters<(typeof table)[number]['callback']>[1];
      const results = await Promise.all(table.map((entry) => entry.callback({}, ctx)));
      expect(results.map((r) => r.isError ?? false)).toEqual([true, true, false]);
      expect(JSON.stringify(results[0]?.content)).toMatch(/probe_any needs a fal key/);
      expect(ran).toEqual(['false']);
    } finally {
      await h.close();
    }
  });

  it('tool names are unique', () => {
    expect(new Set(ALL_TOOLS.map((t) => t.name)).size).toBe(ALL_TOOLS.length);
  });

  it('converts each schema once and hands out the same object afterwards', () => {
    const tool = ALL_TOOLS[0];
    if (!tool) throw new Error('no tools');
    const schema = precomputedSchema(tool.input);
    const a = schema['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    const b = schema['~standard'].jsonSchema.input({ target: 'draft-2020-12' });
    expect(a).toBe(b);
    expect(Object.isFrozen(a)).toBe(true);
  });

  it('registers per request only what the message can reach', async () => {
    const h = await startHarness();
    try {
      const factory = createServerFactory(
        buildToolTable(ALL_TOOLS, h.services),
        [],
        TaskService.create([], h.services),
        mediaViewResource(h.config.mediaOrigins),
      );
      const selection = selectionFrom(new Request('http://127.0.0.1/mcp'));
      const registered = async (rpc?: { method: string; tool?: string }) => {
        const ctx = { authInfo: { token: 't', clientId: 't', scopes: [], extra: { selection, rpc } } };
        const server = await factory(ctx as unknown as Parameters<typeof factory>[0]);
        if (!(server instanceof McpServer)) throw new Error('expected an McpServer');
        return ALL_TOOLS.filter((t) => server.toolInputSchemaJson(t.name) !== undefined).map((t) => t.name);
      };
      expect(await registered({ method: 'tools/call', tool: 'list_models' })).toEqual(['list_models']);
      expect(await registered({ method: 'tools/call', tool: 'no_such_tool' })).toEqual([]);
      expect(await registered({ method: 'ping' })).toEqual([]);
      expect(await registered({ method: 'notifications/initialized' })).toEqual([]);
      // tools/list is answered from the listing built once (checked against the snapshot below).
      expect(await registered({ method: 'tools/list' })).toEqual([]);
      for (const rpc of [{ method: 'initialize' }, { method: 'server/discover' }, undefined]) {
        expect(await registered(rpc)).toHaveLength(ALL_TOOLS.length);
      }
    } finally {
      await h.close();
    }
  });

  it('tools/list fits its context budget: all tools ≤ 24,000 bytes, discovery ≤ 8,000', async () => {
    const h = await startHarness();
    try {
      // What a model reads: hosts keep a tool's _meta (the MCP App link) for themselves.
      const bytes = async (query: string) => {
        const client = await connectModern({ url: `${IN_PROCESS_URL}${query}`, fetch: h.inProcessFetch });
        const tools = await client.listTools();
        await client.close();
        const read = tools.map((t) => {
          const { _meta, ...rest } = t as typeof t & { _meta?: unknown };
          return rest;
        });
        const meta =
          Buffer.byteLength(JSON.stringify({ tools })) - Buffer.byteLength(JSON.stringify({ tools: read }));
        return {
          count: tools.length,
          bytes: Buffer.byteLength(JSON.stringify({ tools: read })),
          meta,
          tools,
        };
      };
      const all = await bytes('');
      expect(all.count).toBe(ALL_TOOLS.length);
      expect(
        all.bytes,
        `tools/list is ${all.bytes} bytes, over the 24,000 every agent pays for in its context: ` +
          'trim descriptions or schemas (docs/adding-tools.md), or raise the cap in review',
      ).toBeLessThanOrEqual(24_000);
      // The app links cost the host little: one short _meta per media tool.
      expect(all.meta).toBeLessThanOrEqual(ALL_TOOLS.filter((t) => t.showsMedia).length * 110);
      expect((await bytes('?toolsets=discovery')).bytes).toBeLessThanOrEqual(8_000);
      // What only the server needs stays on the server: the id pattern is not listed, yet enforced.
      const run = all.tools.find((t) => t.name === 'run_model');
      expect(JSON.stringify(run?.inputSchema)).not.toContain('pattern');
      expect(run?.outputSchema).toMatchObject({
        type: 'object',
        properties: { status: { type: 'string' } },
      });
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'budget-id:budget-secret' },
      });
      const refused = await client.callTool('run_model', { model: '../../etc/passwd', input: {} });
      await client.close();
      expect(refused.isError).toBe(true);
      expect(JSON.stringify(refused.content)).toMatch(/an endpoint id like fal-ai\/flux\/dev/);
      expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(0);
    } finally {
      await h.close();
    }
  });

  it('what agents see in tools/list is a reviewed snapshot', async () => {
    const h = await startHarness();
    try {
      const client = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
      const tools = await client.listTools();
      await client.close();
      // One reviewed file per tool (a change shows in its own tool's diff), in the table's order.
      expect(tools.map((t) => t.name)).toEqual(ALL_TOOLS.map((t) => t.name));
      for (const tool of tools) {
        await expect(JSON.stringify(tool, null, 2)).toMatchFileSnapshot(
          `./__snapshots__/tools/${tool.name}.json`,
        );
      }
      const kept = readdirSync(new URL('./__snapshots__/tools/', import.meta.url)).sort();
      expect(kept, 'a snapshot of a tool that no longer exists').toEqual(
        tools.map((t) => `${t.name}.json`).sort(),
      );
      // An agent reads only tools/list: in any toolset it may ask for, every argument is described, in
      // its own tool or (the run options every media tool shares, listed tersely) in another of that listing.
      for (const query of [
        '',
        '?toolsets=discovery',
        '?toolsets=execution',
        '?toolsets=media',
        '?readonly=true',
      ]) {
        const listing = await connectModern({ url: `${IN_PROCESS_URL}${query}`, fetch: h.inProcessFetch });
        const listed = await listing.listTools();
        await listing.close();
        const props = listed.flatMap((t) =>
          Object.entries(
            (t.inputSchema as { properties: Record<string, { description?: string }> }).properties,
          ).map(([name, prop]) => ({ tool: t.name, name, described: Boolean(prop.description) })),
        );
        const described = new Set(props.filter((p) => p.described).map((p) => p.name));
        const undescribed = props
          .filter((p) => !described.has(p.name))
          .map((p) => `${query} ${p.tool}.${p.name}`);
        expect(undescribed).toEqual([]);
      }
      // Terse listing is for shared run options only: a tool's own arguments always carry their words.
      const own = tools.flatMap((t) =>
        Object.entries((t.inputSchema as { properties: Record<string, { description?: string }> }).properties)
          .filter(([name, prop]) => !prop.description && !SHARED_RUN_OPTIONS.has(name))
          .map(([name]) => `${t.name}.${name}`),
      );
      expect(own).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

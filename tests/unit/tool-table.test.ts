import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { precomputedSchema } from '../../src/mcp/json-schema.js';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { connectModern } from '../helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const DESCRIPTION_BUDGET = 600;

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

  it('what agents see in tools/list is a reviewed snapshot', async () => {
    const h = await startHarness();
    try {
      const client = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
      const tools = await client.listTools();
      await client.close();
      await expect(JSON.stringify(tools, null, 2)).toMatchFileSnapshot('./__snapshots__/tools-list.json');
    } finally {
      await h.close();
    }
  });
});

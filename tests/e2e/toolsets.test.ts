import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { CLIENTS, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

// Each toolset is the tools the table puts in its group, in the table's order.
const inGroup = (group: string) => ALL_TOOLS.filter((t) => t.group === group).map((t) => t.name);
const DISCOVERY = inGroup('discovery');
const EXECUTION = inGroup('execution');
const MEDIA = inGroup('media');

describe.each(['modern', 'legacy'] as const)('toolsets (%s client)', (era) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  const names = async (opts: { query?: string; headers?: Record<string, string> }) => {
    const client = await CLIENTS[era]({
      url: `${IN_PROCESS_URL}${opts.query ?? ''}`,
      fetch: h.inProcessFetch,
      headers: opts.headers ?? {},
    });
    const tools = (await client.listTools()).map((t) => t.name);
    await client.close();
    return tools;
  };

  it('serves every tool by default and for "all"', async () => {
    expect(await names({})).toEqual([...DISCOVERY, ...EXECUTION, ...MEDIA]);
    // Every tool is in one of the three groups, and the groups are not empty.
    expect(DISCOVERY.length + EXECUTION.length + MEDIA.length).toBe(ALL_TOOLS.length);
    expect(Math.min(DISCOVERY.length, EXECUTION.length, MEDIA.length)).toBeGreaterThan(0);
    expect(await names({ query: '?toolsets=all' })).toEqual(ALL_TOOLS.map((t) => t.name));
  });

  it('narrows by header or query', async () => {
    expect(await names({ headers: { 'X-MCP-Toolsets': 'discovery' } })).toEqual(DISCOVERY);
    expect(await names({ query: '?toolsets=execution,media' })).toEqual([...EXECUTION, ...MEDIA]);
  });

  it('read-only mode hides everything that spends money or changes state, and refuses calls to it', async () => {
    const tools = await names({ headers: { 'X-MCP-Readonly': 'true' } });
    // Read-only: what only reads (discovery, and looking at jobs), never what runs, cancels or deletes.
    expect(tools).toEqual(expect.arrayContaining([...DISCOVERY, 'check_job', 'list_jobs']));
    expect(tools).not.toContain('run_model');
    expect(tools).toEqual(ALL_TOOLS.filter((t) => t.annotations.readOnlyHint === true).map((t) => t.name));
    const client = await CLIENTS[era]({
      url: `${IN_PROCESS_URL}?readonly=1`,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'ro-id:ro-secret' },
    });
    const r = await client
      .callTool('run_model', { model: 'flux_dev', input: { prompt: 'x' } })
      .catch((e: Error) => ({
        isError: true,
        content: [{ type: 'text', text: e.message }],
      }));
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/run_model/);
    expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(0);
    await client.close();
  });

  it('a call to a tool that does not exist is refused by name', async () => {
    const client = await CLIENTS[era]({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
    const r = await client.callTool('no_such_tool', {}).catch((e: Error) => ({
      isError: true,
      content: [{ type: 'text', text: e.message }],
    }));
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(/no_such_tool/);
    await client.close();
  });

  it('refuses an unknown toolset with the valid names', async () => {
    const res = await h.app.request('/mcp?toolsets=images', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /Unknown toolset "images": use discovery, execution, media, all/,
    );
  });
});

import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { realClients } from '../helpers/real-clients.js';

const KEY = 'real-client-id:real-client-secret';

describe('real MCP clients over a real socket', () => {
  let h: Harness;
  let url: string;
  let clients: ReturnType<typeof realClients>;

  beforeAll(async () => {
    clients = realClients();
    h = await startHarness();
    url = await h.listen();
  }, 300_000);
  afterAll(() => h.close());

  /** The server runs in this process, so the client must not block it (no spawnSync). */
  const inspector = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn(clients.node22, [clients.inspector, '--cli', url, '--transport', 'http', ...args], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      child.on('close', (status) => resolve({ status, stdout }));
    });

  it('the MCP inspector CLI lists the tools', async () => {
    const run = await inspector('--method', 'tools/list');
    expect(run.status).toBe(0);
    const names = (JSON.parse(run.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toContain('run_model');
    expect(names).toEqual(ALL_TOOLS.map((t) => t.name));
  });

  it('the MCP inspector CLI calls a tool with a key header, and exits 5 on a tool error', async () => {
    const ok = await inspector(
      '--method',
      'tools/call',
      '--tool-name',
      'get_pricing',
      '--tool-arg',
      'models=["flux_dev"]',
      '--header',
      `X-Fal-Key: ${KEY}`,
    );
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({
      structuredContent: { prices: [{ model: 'fal-ai/flux/dev' }] },
    });
    expect(h.emulator.faults.callsTo('pricing').at(-1)?.key).toBe(KEY);
    const refused = await inspector(
      '--method',
      'tools/call',
      '--tool-name',
      'get_pricing',
      '--tool-arg',
      'models=["flux_dev"]',
    );
    expect(refused.status).toBe(5);
    expect(refused.stdout).toMatch(/needs a fal key/);
  });

  it('the MCP inspector (2026 era, a Tasks client) gets a task for a slow run and follows it to the result', async () => {
    const SLOW = 'fal-ai/kling-video/v2.1/master/text-to-video';
    h.emulator.state.setTiming(SLOW, { queueMs: 2_000, runMs: 1_500, queuePosition: 2 });
    const statusBefore = h.emulator.faults.callsTo('queue.status').length;
    const started = Date.now();
    const called = await inspector(
      '--protocol-era',
      'modern',
      '--method',
      'tools/call',
      '--tool-name',
      'run_model',
      '--tool-arg',
      `model=${SLOW}`,
      '--tool-arg',
      'input={"prompt":"a task"}',
      '--tool-arg',
      'wait_seconds=1',
      '--header',
      `X-Fal-Key: ${KEY}`,
    );
    expect(called.status).toBe(0);
    // The call waited 1 s, the job took 3.5 s: the inspector polled the task (tasks/get asks fal's status).
    expect(JSON.parse(called.stdout)).toMatchObject({
      structuredContent: { status: 'COMPLETED', model: SLOW },
    });
    expect(Date.now() - started).toBeGreaterThan(3_000);
    expect(h.emulator.faults.callsTo('queue.status').length).toBeGreaterThan(statusBefore);
    expect(h.logRecords().some((l) => l.msg === 'tool call' && l.tool === 'check_job')).toBe(false);
  });

  it("the MCP inspector CLI's --app-info reports the media view for each tool that links it", async () => {
    const run = await inspector('--method', 'tools/list', '--app-info');
    expect(run.status).toBe(0);
    const apps = run.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as { toolName: string; hasApp: boolean; resourceUri?: string; csp?: unknown },
      );
    const linked = apps.filter((a) => a.hasApp);
    expect(linked.map((a) => a.toolName).sort()).toEqual(
      ALL_TOOLS.filter((t) => t.showsMedia)
        .map((t) => t.name)
        .sort(),
    );
    for (const app of linked) {
      expect(app).toMatchObject({
        resourceUri: 'ui://fal/media-view.html',
        // fal's CDN, and the emulator's own origin (its storage is not fal's: the demo's media load too).
        csp: { resourceDomains: ['https://fal.media', 'https://*.fal.media', h.emulator.origin] },
      });
    }
  });

  /** Run a CLI without blocking the server in this process; resolves with its exit code and output. */
  const run = (command: string, args: string[], env: Record<string, string>) =>
    new Promise<{ status: number | null; out: string }>((resolve) => {
      const child = spawn(command, args, {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('close', (status) => resolve({ status, out }));
    });

  it('Claude Code adds the server with the README command and reports it connected', async () => {
    const home = mkdtempSync(join(tmpdir(), 'claude-home-'));
    const env = { HOME: home, PATH: `${join(clients.node22, '..')}:${process.env.PATH}` };
    const add = await run(
      clients.claude,
      ['mcp', 'add', '--transport', 'http', 'fal', url, '--header', `X-Fal-Key: ${KEY}`],
      env,
    );
    expect(add.status).toBe(0);
    const list = await run(clients.claude, ['mcp', 'list'], env);
    expect(list.out).toMatch(new RegExp(`fal: ${url.replaceAll('.', '\\.')} \\(HTTP\\) - ✔ Connected`));
  }, 120_000);

  it('mcp-remote bridges stdio to the server: initialize, tools/list, tools/call', async () => {
    const child = spawn(
      clients.node22,
      [clients.mcpRemote, url, '--transport', 'http-only', '--header', `X-Fal-Key:${KEY}`],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    const responses = new Map<number, Record<string, unknown>>();
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        const message = JSON.parse(line) as { id?: number };
        if (typeof message.id === 'number') responses.set(message.id, message);
      }
    });
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    try {
      send({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: {
          protocolVersion: '2025-11-25',
          capabilities: {},
          clientInfo: { name: 'claude-desktop-like', version: '1' },
        },
      });
      await expect.poll(() => responses.get(1), { timeout: 30_000 }).toBeTruthy();
      send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
      send({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: { name: 'list_models', arguments: { category: 'audio', limit: 2 } },
      });
      send({
        jsonrpc: '2.0',
        id: 4,
        method: 'tools/call',
        params: { name: 'get_pricing', arguments: { models: ['flux_dev'] } },
      });
      await expect.poll(() => responses.size, { timeout: 30_000 }).toBe(4);
      expect(responses.get(1)).toMatchObject({ result: { serverInfo: { name: 'fal-mcp-server' } } });
      expect((responses.get(2) as { result: { tools: unknown[] } }).result.tools).toHaveLength(
        ALL_TOOLS.length,
      );
      expect(responses.get(3)).toMatchObject({ result: { structuredContent: { used_fallback: false } } });
      expect(responses.get(4)).toMatchObject({
        result: { structuredContent: { prices: [{ model: 'fal-ai/flux/dev' }] } },
      });
      expect(h.emulator.faults.callsTo('pricing').at(-1)?.key).toBe(KEY);
    } finally {
      child.kill();
    }
  }, 60_000);
});

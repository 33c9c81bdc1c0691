import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';

const run = promisify(execFile);
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = (lang: string) =>
  [...readme.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] ?? '');

/** What the README tells people to paste works as written, against the server and the emulator. */
describe("the README's recipes", () => {
  let h: Harness;
  let origin = '';
  beforeAll(async () => {
    h = await startHarness();
    origin = new URL(await h.listen()).origin;
  });
  afterAll(() => h.close());

  const curls = blocks('sh').filter((b) => b.startsWith('curl -s http://127.0.0.1:8080/mcp'));

  it('has a curl recipe for each protocol era', () => {
    expect(curls.map((c) => /mcp-protocol-version: ([\d-]+)/.exec(c)?.[1])).toEqual([
      '2025-11-25',
      '2026-07-28',
    ]);
  });

  it.each(curls.map((c) => [/mcp-protocol-version: ([\d-]+)/.exec(c)?.[1], c]))(
    'the %s curl call lists models',
    async (_, recipe) => {
      const { stdout } = await run('bash', ['-c', recipe.replace('http://127.0.0.1:8080', origin)], {
        env: { ...process.env, FAL_KEY: 'readme-id:readme-secret' },
      });
      // JSON, or one server-sent event carrying it.
      const json = JSON.parse(stdout.startsWith('{') ? stdout : (/^data: (.*)$/m.exec(stdout)?.[1] ?? '{}'));
      expect(json.error).toBeUndefined();
      expect(json.result.isError).toBeFalsy();
      expect(json.result.structuredContent.models.length).toBeGreaterThan(0);
    },
  );

  it('the client snippets use each client’s own key: mcpServers for Cursor, servers for VS Code', () => {
    const [cursor, vscode] = blocks('json').map((b) => JSON.parse(b) as Record<string, unknown>);
    expect(Object.keys(cursor ?? {})).toEqual(['mcpServers']);
    expect(Object.keys(vscode ?? {})).toEqual(['servers']);
  });
});

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';
import { connectLegacy, connectModern, type TestClient } from '../helpers/clients.js';
import { type SpawnedServer, spawnServer } from '../helpers/spawn-server.js';
import { structuredOf } from '../helpers/structured.js';

const repo = resolve('.');
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

/**
 * What `npm start` and the image run is the bundle `npm run build` writes (scripts/build-server.ts),
 * not the sources the other tests load. Built here into a project of its own (the repository's
 * sources and packages linked in), so that the dist/ other tests read is left alone.
 */
describe('the built server (dist/main.js, bundled)', () => {
  let project: string;
  let emu: RunningEmulator;
  let server: SpawnedServer;

  beforeAll(async () => {
    project = mkdtempSync(join(tmpdir(), 'built-server-'));
    for (const name of [
      'src',
      'ui',
      'scripts',
      'node_modules',
      'package.json',
      'server.json',
      'tsconfig.json',
    ]) {
      symlinkSync(join(repo, name), join(project, name));
    }
    mkdirSync(join(project, 'dist'));
    const tsx = join(repo, 'node_modules/.bin/tsx');
    for (const script of ['scripts/build-server.ts', 'scripts/build-view.ts']) {
      execFileSync(tsx, [script], { cwd: project, stdio: 'pipe', timeout: 120_000 });
    }
    emu = await startEmulator();
    server = await spawnServer(emu, {
      entry: join(project, 'dist/main.js'),
      env: { FETCH_ALLOW_HOSTS: new URL(emu.origin).host },
    });
  }, 180_000);
  afterAll(async () => {
    server?.kill();
    await emu?.close();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('is a handful of files, with the image decoder apart', () => {
    expect(existsSync(join(project, 'dist/media/decode-worker.js'))).toBe(true);
    expect(existsSync(join(project, 'dist/http'))).toBe(false);
  });

  it.each([
    ['modern', connectModern],
    ['legacy', connectLegacy],
  ] as const)('serves every tool, the media view and previews (%s era)', async (_era, connect) => {
    const client: TestClient = await connect({
      url: server.url,
      headers: { 'X-Fal-Key': 'built-id:built-secret' },
    });
    try {
      expect((await client.listTools()).map((t) => t.name).sort()).toEqual(
        ALL_TOOLS.map((t) => t.name).sort(),
      );
      // The view is read from dist/ui/ beside the bundle.
      const view = await client.readResource('ui://fal/media-view.html');
      expect(view.contents[0]?.text).toContain('<html');
      // A preview is made by dist/media/decode-worker.js, a process of its own.
      const run = await client.callTool('generate_image', { prompt: 'a fox' });
      expect(structuredOf('generate_image', run).status).toBe('COMPLETED');
      const image = (run.content as { type: string; data?: string }[]).find((c) => c.type === 'image');
      const meta = await sharp(Buffer.from(image?.data ?? '', 'base64')).metadata();
      expect(meta.format).toBe('webp');
    } finally {
      await client.close();
    }
  });

  it('reads its version and registry entry from the project root', async () => {
    const origin = new URL(server.url).origin;
    const health = (await (await fetch(`${origin}/health`)).json()) as { version: string };
    expect(health.version).toBe(VERSION);
    const card = (await (await fetch(`${origin}/.well-known/mcp/server-card`)).json()) as { version: string };
    expect(card.version).toBe(VERSION);
  });
});

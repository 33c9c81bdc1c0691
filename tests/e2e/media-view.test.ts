import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { type Browser, chromium, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, type TestClient } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = '.cache/artifacts';
const SLOW = 'fal-ai/kling-video/v2.1/master/text-to-video';

describe.skipIf(!existsSync(CHROMIUM))(
  'the MCP App view in a real host (AppBridge, headless Chromium)',
  () => {
    let h: Harness;
    let client: TestClient;
    let browser: Browser;
    let hostScript: string;
    let viewHtml: string;

    beforeAll(async () => {
      h = await startHarness({ env: (emu) => ({ FETCH_ALLOW_HOSTS: new URL(emu.origin).host }) });
      h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20, queuePosition: 0 });
      client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'view-id:view-secret' },
      });
      const read = await client.readResource('ui://fal/media-view.html');
      viewHtml = (read.contents[0] as { text: string }).text;
      const bundled = await build({
        entryPoints: ['tests/helpers/app-host/host.ts'],
        bundle: true,
        format: 'iife',
        platform: 'browser',
        write: false,
      });
      hostScript = bundled.outputFiles[0]?.text ?? '';
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
      mkdirSync(SHOTS, { recursive: true });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await client?.close();
      await h?.close();
    });

    /** Open the view in the test host with a tool's real result; the view's tools/call reach the server. */
    const open = async (
      tool: string,
      input: Record<string, unknown>,
      theme = 'light',
    ): Promise<{ page: Page; view: Frame }> => {
      const result = await client.callTool(tool, input);
      const page = await browser.newPage({ viewport: { width: 800, height: 900 } });
      await page.exposeFunction('callServerTool', (name: string, args: Record<string, unknown>) =>
        client.callTool(name, args),
      );
      await page.setContent('<!doctype html><html><body style="margin:0"></body></html>');
      await page.addScriptTag({ content: hostScript });
      await page.evaluate(([html, t, th]) => window.startHost(html as string, t as never, th as string), [
        viewHtml,
        { name: tool, input, result },
        theme,
      ] as const);
      const view = page.frames().find((f) => f !== page.mainFrame());
      if (!view) throw new Error('no view frame');
      return { page, view };
    };

    it("is one self-contained file under 150 KB; its CSP allows fal's CDN and, in the demo, the storage's own origin", async () => {
      const read = await client.readResource('ui://fal/media-view.html');
      const content = read.contents[0] as unknown as { mimeType: string; text: string; _meta: unknown };
      expect(content.mimeType).toBe('text/html;profile=mcp-app');
      expect(Buffer.byteLength(content.text)).toBeLessThan(150_000);
      expect(content.text).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);
      expect(content._meta).toEqual({
        ui: {
          csp: { resourceDomains: ['https://fal.media', 'https://*.fal.media', h.emulator.origin] },
          prefersBorder: false,
        },
      });
    });

    it('shows generated images from the CDN, with download links', async () => {
      const { page, view } = await open('generate_image', { prompt: 'a fox', num_images: 2 });
      await view.waitForSelector('img');
      const srcs = await view.$$eval('img', (imgs) => imgs.map((i) => (i as HTMLImageElement).src));
      expect(srcs).toHaveLength(2);
      for (const src of srcs) expect(src).toContain(`${h.emulator.origin}/cdn/`);
      await view.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0));
      expect(await view.$$eval('a[download]', (a) => a.length)).toBe(2);
      await page.screenshot({ path: `${SHOTS}/media-view-images.png` });
      await page.close();
    });

    it('a pending job shows its state, asks check_job through the host, then plays the video', async () => {
      h.emulator.state.setTiming(SLOW, { queueMs: 1_500, runMs: 1_000, queuePosition: 3 });
      const { page, view } = await open(
        'run_model',
        { model: SLOW, input: { prompt: 'a fox' }, wait_seconds: 1 },
        'dark',
      );
      const status = await view.textContent('[role=status]');
      expect(status).toMatch(/in queue|running/);
      await page.screenshot({ path: `${SHOTS}/media-view-pending.png` });
      await view.waitForSelector('video', { timeout: 15_000 });
      expect(await view.$eval('video', (v) => (v as HTMLVideoElement).src)).toContain('/cdn/');
      // The CDN serves a real clip: the browser reads its metadata (2 s).
      await view.waitForFunction(() => (document.querySelector('video') as HTMLVideoElement).readyState >= 1);
      expect(await view.$eval('video', (v) => Math.round((v as HTMLVideoElement).duration))).toBe(2);
      expect(await page.evaluate(() => window.hostEvents)).toContain('tools/call check_job');
      expect(await view.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
      // The view told the host its height: the frame fits the content (the test host starts it at 560 px).
      await page.waitForFunction(
        () => Number.parseInt(document.querySelector('iframe')?.style.height ?? '0', 10) < 400,
      );
      await page.screenshot({ path: `${SHOTS}/media-view-video.png` });
      await page.close();
    });

    it('plays speech as audio, and shows a transcript as text', async () => {
      h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20, queuePosition: 0 });
      const speech = await open('generate_speech', { text: 'Hello from fal.' });
      await speech.view.waitForSelector('audio');
      await speech.view.waitForFunction(
        () => (document.querySelector('audio') as HTMLAudioElement).readyState >= 1,
      );
      expect(await speech.view.$eval('audio', (a) => Math.round((a as HTMLAudioElement).duration))).toBe(2);
      await speech.page.screenshot({ path: `${SHOTS}/media-view-audio.png` });
      await speech.page.close();
      const heard = await open('transcribe_audio', { audio_url: `${h.emulator.origin}/cdn/x/speech.mp3` });
      await heard.view.waitForSelector('.transcript');
      expect(await heard.view.textContent('.transcript')).toContain('The quick brown fox');
      await heard.page.close();
    });

    it('pressing "Upscale" starts an upscale job at fal and shows what it made', async () => {
      h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20, queuePosition: 0 });
      const { page, view } = await open('generate_image', { prompt: 'a fox' });
      await view.waitForSelector('img');
      const before = h.emulator.state.jobs.size;
      await view.click('button:has-text("Upscale")');
      await view.waitForSelector('.started img', { timeout: 15_000 });
      const jobs = [...h.emulator.state.jobs.values()].slice(before);
      expect(jobs.map((j) => j.endpointId).some((id) => /upscal/.test(id))).toBe(true);
      await page.screenshot({ path: `${SHOTS}/media-view-upscaled.png` });
      await page.close();
    });

    it.each([
      ['generate_image', { prompt: 'a fox' }],
      ['run_model', { model: 'fal-ai/flux/dev', input: { prompt: 'a fox' } }],
    ] as const)('"Variation" on a %s result runs the same input with a new seed', async (tool, input) => {
      h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20, queuePosition: 0 });
      const { page, view } = await open(tool, input);
      await view.waitForSelector('img');
      const first = [...h.emulator.state.jobs.values()].at(-1);
      await view.click('button:has-text("Variation")');
      await view.waitForSelector('.started img', { timeout: 15_000 });
      const again = [...h.emulator.state.jobs.values()].at(-1);
      expect(again?.requestId).not.toBe(first?.requestId);
      expect(again?.endpointId).toBe(first?.endpointId);
      expect(again?.input.prompt).toBe(first?.input.prompt);
      expect(typeof again?.input.seed).toBe('number');
      await page.close();
    });

    it("list_jobs shows the caller's recent generations as a gallery; a tile opens the job to play it", async () => {
      h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20, queuePosition: 0 });
      const keyed = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'gallery-id:gallery-secret' },
      });
      await keyed.callTool('generate_image', { prompt: 'a red fox in snow', preview: false });
      await keyed.callTool('generate_image', { prompt: 'a lighthouse at night', preview: false });
      await keyed.callTool('generate_speech', { text: 'Welcome to the gallery.' });
      const listing = await keyed.callTool('list_jobs', {});
      const page = await browser.newPage({ viewport: { width: 800, height: 700 } });
      await page.exposeFunction('callServerTool', (name: string, args: Record<string, unknown>) =>
        keyed.callTool(name, args),
      );
      await page.setContent('<!doctype html><html><body style="margin:0"></body></html>');
      await page.addScriptTag({ content: hostScript });
      await page.evaluate(([html, t]) => window.startHost(html as string, t as never, 'light'), [
        viewHtml,
        { name: 'list_jobs', input: {}, result: listing },
      ] as const);
      const view = page.frames().find((f) => f !== page.mainFrame());
      if (!view) throw new Error('no view frame');
      await view.waitForSelector('.tile');
      expect(await view.$$eval('.tile', (t) => t.length)).toBe(3);
      await view.waitForFunction(
        () =>
          [...document.images].length === 2 &&
          [...document.images].every((i) => i.complete && i.naturalWidth > 0),
      );
      expect(await view.$$eval('.tile .badge', (b) => b.map((x) => x.textContent))).toEqual([
        'done',
        'done',
        'done',
      ]);
      expect(await view.textContent('.tile:first-child .what')).toBe('Welcome to the gallery.');
      await page.screenshot({ path: `${SHOTS}/media-view-gallery.png` });
      await view.click('.tile:first-child');
      await view.waitForSelector('.opened audio');
      await view.waitForFunction(
        () => (document.querySelector('.opened audio') as HTMLAudioElement).readyState >= 1,
      );
      expect(await page.evaluate(() => window.hostEvents)).toContain('tools/call check_job');
      await page.screenshot({ path: `${SHOTS}/media-view-gallery-opened.png` });
      await page.close();
      await keyed.close();
    });

    it('hosts without UI see the same result: the links are there as before', async () => {
      const r = await client.callTool('generate_image', { prompt: 'a fox', preview: false });
      expect((r.content as { type: string }[]).map((c) => c.type)).toEqual(['text', 'resource_link']);
      const tools = await client.listTools();
      const linked = tools.filter(
        (t) => (t as { _meta?: { ui?: { resourceUri?: string } } })._meta?.ui?.resourceUri,
      );
      expect(linked.map((t) => t.name).sort()).toEqual([
        'check_job',
        'edit_image',
        'generate_audio',
        'generate_image',
        'generate_speech',
        'generate_video',
        'list_jobs',
        'run_model',
        'transcribe_audio',
      ]);
      expect(readFileSync('dist/ui/media-view.html', 'utf8')).toBe(viewHtml);
    });
  },
);

import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectLegacy, connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { structuredOf } from '../helpers/structured.js';

type Content = { type: string; data?: string; mimeType?: string };

const images = (r: { content: unknown }) => (r.content as Content[]).filter((c) => c.type === 'image');
const imageOutput = (cdn: string, requestId: string, names: string[]) => ({
  images: names.map((name) => ({ url: `${cdn}/${requestId}/${name}`, content_type: 'image/png' })),
  seed: 7,
});

describe('inline image previews', () => {
  let h: Harness;
  let client: TestClient;
  const cdnCalls = () => h.emulator.faults.callsTo('cdn').length;

  beforeAll(async () => {
    h = await startHarness({ env: (emu) => ({ FETCH_ALLOW_HOSTS: new URL(emu.origin).host }) });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'preview-id:preview-secret' },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });
  beforeEach(() => {
    h.emulator.faults.clear();
    h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20, queuePosition: 0 });
  });

  it('generate_image answers with one small WebP per image, after the text and before the links', async () => {
    const r = await client.callTool('generate_image', { prompt: 'a fox', num_images: 2 });
    const data = structuredOf('generate_image', r);
    expect(data.status).toBe('COMPLETED');
    const shown = images(r);
    expect(shown).toHaveLength(2);
    expect((r.content as Content[]).map((c) => c.type)).toEqual([
      'text',
      'image',
      'image',
      'resource_link',
      'resource_link',
    ]);
    for (const image of shown) {
      expect(image.mimeType).toBe('image/webp');
      // What the agent gets is a real image: decoded here, the emulator's 1024×768 shrunk to 512 wide.
      const meta = await sharp(Buffer.from(image.data ?? '', 'base64')).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: 512, height: 384 });
    }
    expect(shown.reduce((n, i) => n + (i.data?.length ?? 0), 0)).toBeLessThanOrEqual(150_000);
    expect(data.notes).toEqual([]);
    expect(cdnCalls()).toBe(2);
  });

  it('preview: false fetches nothing and answers exactly as without previews', async () => {
    const r = await client.callTool('generate_image', { prompt: 'a fox', preview: false });
    expect(images(r)).toEqual([]);
    expect(structuredOf('generate_image', r).media).toHaveLength(1);
    expect(cdnCalls()).toBe(0);
  });

  it('shows at most 4 images and says how many there were', async () => {
    h.emulator.state.setTiming('fal-ai/flux/schnell', {
      queueMs: 0,
      runMs: 10,
      output: (cdn, id) => imageOutput(cdn, id, ['1.png', '2.png', '3.png', '4.png', '5.png', '6.png']),
    });
    const r = await client.callTool('run_model', { model: 'fal-ai/flux/schnell', input: { prompt: 'x' } });
    expect(images(r)).toHaveLength(4);
    expect(structuredOf('run_model', r).media).toHaveLength(6);
    expect(textOf(r)).toContain('Previews show the first 4 of 6 images.');
  });

  it('check_job shows previews of a finished job, and again from cache without fetching', async () => {
    const started = await client.callTool('submit_job', { model: 'fal-ai/flux/dev', input: { prompt: 'x' } });
    const { request_id } = structuredOf('submit_job', started);
    const first = await client.callTool('check_job', { request_id, wait_seconds: 5 });
    expect(images(first)).toHaveLength(1);
    expect(cdnCalls()).toBe(1);
    const again = await client.callTool('check_job', { request_id });
    expect(images(again)).toEqual(images(first));
    expect(cdnCalls()).toBe(1);
  });

  it.each([
    ['the CDN answers 404', { status: 404 }, 'No preview of images[0]: the URL answered HTTP 404'],
    ['the CDN drops the connection', { drop: true }, 'No preview of images[0]: could not fetch the URL'],
  ])('when %s the result is the same, with a note', async (_, fault, note) => {
    h.emulator.inject('cdn', fault);
    const r = await client.callTool('generate_image', { prompt: 'a fox' });
    expect(r.isError).toBeFalsy();
    expect(images(r)).toEqual([]);
    const data = structuredOf('generate_image', r);
    expect(data).toMatchObject({ status: 'COMPLETED', media: [{ kind: 'image' }] });
    expect(data.notes.join('\n')).toContain(note);
    expect(textOf(r)).toContain(note);
  });

  it.each([
    ['an SVG dressed as a PNG', 'disguised-svg.png', 'it is not a PNG, JPEG, WebP, GIF or AVIF image'],
    [
      'a 30,000 × 30,000 pixel bomb',
      'pixel-bomb.png',
      'it is an image of 30000×30000 (900.0 MP); previews decode at most 16.0 MP',
    ],
  ])('refuses to decode %s', async (_, name, note) => {
    h.emulator.state.setTiming('fal-ai/flux/schnell', {
      queueMs: 0,
      runMs: 10,
      output: (cdn, id) => imageOutput(cdn, id, [name, 'fine.png']),
    });
    const r = await client.callTool('run_model', { model: 'fal-ai/flux/schnell', input: { prompt: 'x' } });
    expect(images(r)).toHaveLength(1);
    expect(structuredOf('run_model', r).notes).toContain(`No preview of images[0]: ${note}.`);
  });

  it('never fetches an output URL that points inside the network', async () => {
    h.emulator.state.setTiming('fal-ai/flux/schnell', {
      queueMs: 0,
      runMs: 10,
      output: () => ({ images: [{ url: 'http://169.254.169.254/latest/meta-data.png' }] }),
    });
    const r = await client.callTool('run_model', { model: 'fal-ai/flux/schnell', input: { prompt: 'x' } });
    expect(images(r)).toEqual([]);
    expect(structuredOf('run_model', r).notes).toContain(
      'No preview of images[0]: refused to fetch the URL: 169.254.169.254 is a private or reserved address.',
    );
  });

  it('a 2025-era client gets the same image blocks', async () => {
    const legacy = await connectLegacy({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'preview-id:preview-secret' },
    });
    const r = await legacy.callTool('generate_image', { prompt: 'a fox' });
    await legacy.close();
    expect(images(r)).toMatchObject([{ mimeType: 'image/webp' }]);
  });
});

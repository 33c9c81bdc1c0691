import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectLegacy, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions read deep into structured results
type Loose = Record<string, any>;
const IMG = 'https://example.com/cat.png';

describe('the media task tools', () => {
  let h: Harness;
  let client: TestClient;
  const call = async (name: string, args: Record<string, unknown>) => {
    const r = await client.callTool(name, args);
    return { ...r, data: r.structuredContent as Loose, text: textOf(r) };
  };
  /** What the emulator received for the last submitted job. */
  const lastInput = () => [...h.emulator.state.jobs.values()].at(-1);
  const submits = () => h.emulator.faults.callsTo('queue.submit').length;

  beforeAll(async () => {
    h = await startHarness();
    client = await connectLegacy({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'media-id:media-secret' },
    });
    h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20, queuePosition: 0 });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });
  beforeEach(() => h.emulator.faults.clear());

  describe('generate_image', () => {
    it('uses FLUX.1 [dev] by default, assembles structured fields and maps the aspect to its size preset', async () => {
      const r = await call('generate_image', {
        prompt: 'a fox',
        style: 'watercolour',
        lighting: 'golden hour',
        aspect_ratio: '16:9',
        num_images: 2,
      });
      expect(r.data).toMatchObject({ model: 'fal-ai/flux/dev', status: 'COMPLETED' });
      expect(r.data.media).toHaveLength(2);
      expect(r.content.filter((c) => c.type === 'resource_link')).toHaveLength(2);
      expect(lastInput()?.input).toEqual({
        prompt: 'a fox. Style: watercolour. Lighting: golden hour',
        image_size: 'landscape_16_9',
        num_images: 2,
        enable_safety_checker: true,
      });
    });

    it('maps the same request onto another schema (aspect_ratio enum, no safety checker input)', async () => {
      const r = await call('generate_image', {
        prompt: 'a fox',
        aspect_ratio: '16:9',
        image_url: IMG,
        model: 'fal-ai/flux-pro/kontext',
      });
      expect(r.data.model).toBe('fal-ai/flux-pro/kontext');
      expect(lastInput()?.input).toEqual({ prompt: 'a fox', image_url: IMG, aspect_ratio: '16:9' });
    });

    it('passes exact dimensions where the model takes them', async () => {
      await call('generate_image', { prompt: 'a fox', width: 800, height: 600 });
      expect(lastInput()?.input.image_size).toEqual({ width: 800, height: 600 });
    });

    it('switches to an image-to-image default with image_url', async () => {
      const r = await call('generate_image', { prompt: 'as a sketch', image_url: IMG, strength: 0.6 });
      expect(r.data.model).toBe('fal-ai/flux/dev/image-to-image');
      expect(lastInput()?.input).toMatchObject({ image_url: IMG, strength: 0.6 });
    });

    it('refuses a model of the wrong kind, with suggestions, before calling fal', async () => {
      const r = await call('generate_image', { prompt: 'x', model: 'whisper' });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(
        /fal-ai\/whisper is a speech-to-text model; this needs text-to-image generation/,
      );
      expect(r.text).toMatch(/Try: fal-ai\/flux\/dev/);
      expect(submits()).toBe(0);
    });

    it('drops what the model cannot take, with a note', async () => {
      const r = await call('generate_image', {
        prompt: 'x',
        negative_prompt: 'blur',
        model: 'fal-ai/flux/schnell',
      });
      expect(r.data.notes).toContain(
        'fal-ai/flux/schnell has no input for negative_prompt; it was left out.',
      );
      expect(lastInput()?.input).not.toHaveProperty('negative_prompt');
    });
  });

  describe('edit_image', () => {
    it.each([
      ['remove_background', {}, 'fal-ai/bria/background/remove', { image_url: IMG }],
      ['upscale', { scale: 4 }, 'fal-ai/clarity-upscaler', { image_url: IMG, upscale_factor: 4 }],
      [
        'outpaint',
        { format: 'story' },
        'fal-ai/image-editing/reframe',
        { image_url: IMG, aspect_ratio: '9:16' },
      ],
      [
        'edit',
        { prompt: 'make it night' },
        'fal-ai/flux-pro/kontext',
        { image_url: IMG, prompt: 'make it night' },
      ],
      [
        'inpaint',
        { prompt: 'a hat', mask_url: 'https://example.com/mask.png' },
        'fal-ai/flux-pro/v1/fill',
        { image_url: IMG, mask_url: 'https://example.com/mask.png', prompt: 'a hat' },
      ],
    ])('%s uses its default model and maps its parameters', async (operation, extra, model, input) => {
      const r = await call('edit_image', { operation, image_url: IMG, ...extra });
      expect(r.isError).toBeFalsy();
      expect(r.data.model).toBe(model);
      expect(lastInput()?.input).toEqual(input);
    });

    it('edit maps image_url onto a model that takes image_urls', async () => {
      await call('edit_image', {
        operation: 'edit',
        image_url: IMG,
        prompt: 'night',
        model: 'fal-ai/flux-2/edit',
      });
      expect(lastInput()?.input).toMatchObject({ image_urls: [IMG], prompt: 'night' });
    });

    it('compose places an overlay with a multi-image model (generative)', async () => {
      const r = await call('edit_image', {
        operation: 'compose',
        image_url: IMG,
        overlay_url: 'https://example.com/logo.png',
        position: 'top-left',
      });
      expect(r.data.model).toBe('fal-ai/flux-pro/kontext/multi');
      expect(lastInput()?.input.image_urls).toEqual([IMG, 'https://example.com/logo.png']);
      expect(lastInput()?.input.prompt).toMatch(/at the top left, about 15% of the first image's width/);
    });

    it('checks the operation needs before anything else', async () => {
      expect((await call('edit_image', { operation: 'inpaint', image_url: IMG, prompt: 'x' })).text).toMatch(
        /inpaint needs mask_url/,
      );
      expect((await call('edit_image', { operation: 'outpaint', image_url: IMG })).text).toMatch(
        /aspect_ratio .* or a format/,
      );
      expect(submits()).toBe(0);
    });

    it("validates against the chosen model's schema before submitting", async () => {
      const r = await call('edit_image', {
        operation: 'outpaint',
        image_url: IMG,
        aspect_ratio: '16:9',
        model: 'fal-ai/bria/expand',
      });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/- canvas_size: is required/);
      expect(submits()).toBe(0);
    });
  });

  describe('generate_video', () => {
    it('a long job returns a handle, with durations mapped onto the enum', async () => {
      h.emulator.state.setTiming('fal-ai/kling-video/v2.1/master/text-to-video', {
        queueMs: 5_000,
        runMs: 5_000,
        queuePosition: 2,
      });
      const r = await call('generate_video', {
        prompt: 'waves',
        duration: 8,
        aspect_ratio: '9:16',
        wait_seconds: 1,
      });
      expect(r.data.status).toBe('IN_QUEUE');
      expect(r.data.next.tool).toBe('check_job');
      expect(lastInput()?.input).toEqual({ prompt: 'waves', duration: '10', aspect_ratio: '9:16' });
      expect(r.data.notes).toContain(
        'duration 8 was sent to fal-ai/kling-video/v2.1/master/text-to-video as duration="10".',
      );
    });

    it('animates an image and restyles a video with their own defaults', async () => {
      h.emulator.state.setTiming('fal-ai/kling-video/v2.1/master/image-to-video', { queueMs: 10, runMs: 10 });
      const img = await call('generate_video', { prompt: 'blink', image_url: IMG });
      expect(img.data.model).toBe('fal-ai/kling-video/v2.1/master/image-to-video');
      const vid = await call('generate_video', {
        prompt: 'anime style',
        video_url: 'https://example.com/v.mp4',
        wait_seconds: 0,
      });
      expect(vid.data.model).toBe('fal-ai/kling-video/o1/video-to-video/edit');
      expect(lastInput()?.input).toEqual({ prompt: 'anime style', video_url: 'https://example.com/v.mp4' });
    });
  });

  describe('generate_audio', () => {
    it('music by default, songs with lyrics on a lyrics model, sound effects with duration', async () => {
      const music = await call('generate_audio', { prompt: 'calm piano', duration: 20 });
      expect(music.data.model).toBe('fal-ai/lyria2');
      expect(music.data.notes).toContain('fal-ai/lyria2 has no input for duration; it was left out.');
      const song = await call('generate_audio', { prompt: 'pop', lyrics: 'la la la' });
      expect(song.data.model).toBe('fal-ai/minimax-music/v2');
      expect(lastInput()?.input).toEqual({ prompt: 'pop', lyrics_prompt: 'la la la' });
      const sfx = await call('generate_audio', { prompt: 'door creak', kind: 'sound_effect', duration: 3 });
      expect(sfx.data.model).toBe('fal-ai/elevenlabs/sound-effects/v2');
      expect(lastInput()?.input).toEqual({ text: 'door creak', duration_seconds: 3 });
      expect(sfx.data.media[0].kind).toBe('audio');
    });

    it('converts seconds for a model that counts milliseconds', async () => {
      await call('generate_audio', { prompt: 'jazz', duration: 30, model: 'fal-ai/elevenlabs/music' });
      expect(lastInput()?.input).toMatchObject({ prompt: 'jazz', music_length_ms: 30_000 });
    });
  });

  describe('generate_speech', () => {
    it('maps voice onto a flat field or a nested voice setting', async () => {
      const a = await call('generate_speech', { text: 'hello', voice: 'Rachel' });
      expect(a.data.model).toBe('fal-ai/elevenlabs/tts/multilingual-v2');
      expect(lastInput()?.input).toEqual({ text: 'hello', voice: 'Rachel' });
      await call('generate_speech', {
        text: 'hello',
        voice: 'Wise_Woman',
        model: 'fal-ai/minimax/speech-02-hd',
      });
      expect(lastInput()?.input).toEqual({ text: 'hello', voice_setting: { voice_id: 'Wise_Woman' } });
    });

    it('refuses an image model', async () => {
      const r = await call('generate_speech', { text: 'hi', model: 'flux_dev' });
      expect(r.text).toMatch(/is a text-to-image model; this needs text-to-speech/);
    });
  });

  describe('transcribe_audio', () => {
    it('returns the transcript and timed chunks from Whisper', async () => {
      const r = await call('transcribe_audio', {
        audio_url: 'https://example.com/a.mp3',
        language: 'en',
        diarize: true,
      });
      expect(r.data.model).toBe('fal-ai/whisper');
      expect(lastInput()?.input).toEqual({
        audio_url: 'https://example.com/a.mp3',
        language: 'en',
        diarize: true,
        task: 'transcribe',
        chunk_level: 'segment',
      });
      expect(r.data.transcript.text).toBe('The quick brown fox jumps over the lazy dog.');
      expect(r.text).toMatch(/^Transcript \(fal-ai\/whisper\):\nThe quick brown fox/);
    });

    it('refuses a model of the wrong kind', async () => {
      const r = await call('transcribe_audio', {
        audio_url: 'https://example.com/a.mp3',
        model: 'fal-ai/lyria2',
      });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/this needs speech-to-text/);
    });
  });
});

describe('when a default model leaves the catalogue', () => {
  it('falls forward to the best live model of the same kind and says so', async () => {
    const { loadCatalogue } = await import('../emulator/catalogue.js');
    const h = await startHarness({
      emulator: { models: loadCatalogue().filter((m) => m.endpoint_id !== 'fal-ai/whisper') },
    });
    try {
      const client = await connectLegacy({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'k-id:k-secret' },
      });
      const r = await client.callTool('transcribe_audio', { audio_url: 'https://example.com/a.mp3' });
      await client.close();
      const data = r.structuredContent as Loose;
      expect(data.model).not.toBe('fal-ai/whisper');
      expect(h.services.registry.status().models).toBe(1206);
      expect(data.notes[0]).toMatch(
        /^The default fal-ai\/whisper is no longer in fal's catalogue; using \S+, the best match for speech-to-text\./,
      );
    } finally {
      await h.close();
    }
  });
});

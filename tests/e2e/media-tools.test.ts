import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectLegacy, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { structuredOf, type ToolName } from '../helpers/structured.js';

const IMG = 'https://example.com/cat.png';

describe('the media tools', () => {
  let h: Harness;
  let client: TestClient;
  const call = async <N extends ToolName>(name: N, args: Record<string, unknown>) => {
    const r = await client.callTool(name, args);
    return { ...r, data: structuredOf(name, r), text: textOf(r) };
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
      // What comes back is what was asked: 16:9 files, stating the bytes they really have.
      for (const file of r.data.media) {
        const bytes = Buffer.from(await (await fetch(file.url)).arrayBuffer());
        expect(file.file_size).toBe(bytes.length);
        expect(await sharp(bytes).metadata()).toMatchObject({ width: 1024, height: 576 });
      }
      expect(r.text).toContain(
        `(image/png, 1024×576, ${((r.data.media[0]?.file_size ?? 0) / 1024 / 1024).toFixed(1)} MB)`,
      );
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
        /fal-ai\/whisper \(a speech-to-text model\) cannot do text-to-image generation: it makes text, not image; it requires audio_url/,
      );
      expect(r.text).toMatch(/Try: fal-ai\/flux\/dev/);
      expect(submits()).toBe(0);
    });

    it('judges a named model by its schema, not its catalogue label: flux-pro ultra takes a plain prompt', async () => {
      const r = await call('generate_image', { prompt: 'a lighthouse', model: 'fal-ai/flux-pro/v1.1-ultra' });
      expect(r.isError).toBeFalsy();
      expect(r.data.model).toBe('fal-ai/flux-pro/v1.1-ultra');
      expect(lastInput()?.input).toMatchObject({ prompt: 'a lighthouse' });
    });

    it('refuses what the named model cannot take, before submitting, naming models that can', async () => {
      const r = await call('generate_image', {
        prompt: 'x',
        negative_prompt: 'blur',
        model: 'fal-ai/flux/schnell',
      });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(
        /^Not submitted, nothing billed: fal-ai\/flux\/schnell cannot do all that was asked\./,
      );
      expect(r.text).toContain('- negative_prompt "blur": fal-ai/flux/schnell has no input for it');
      expect(r.text).toMatch(/Models of this kind that take it: \S+/);
      expect(r.text).toContain('accept_nearest: true');
      expect(submits()).toBe(0);
    });

    it('runs without what the model lacks only when the caller accepts, and says so first', async () => {
      const r = await call('generate_image', {
        prompt: 'x',
        negative_prompt: 'blur',
        model: 'fal-ai/flux/schnell',
        accept_nearest: true,
      });
      expect(r.data.status).toBe('COMPLETED');
      expect(r.data.notes[0]).toBe(
        'Run with what fal-ai/flux/schnell offers instead of what was asked (accept_nearest): negative_prompt "blur": fal-ai/flux/schnell has no input for it.',
      );
      expect(lastInput()?.input).not.toHaveProperty('negative_prompt');
    });

    it('with no model named, picks one that takes everything asked, and says why', async () => {
      const r = await call('generate_image', { prompt: 'x', negative_prompt: 'blur' });
      expect(r.data.model).not.toBe('fal-ai/flux/dev');
      expect(lastInput()?.input).toMatchObject({ prompt: 'x', negative_prompt: 'blur' });
      expect(r.data.notes[0]).toBe(
        `The default fal-ai/flux/dev cannot do all that was asked (negative_prompt "blur": fal-ai/flux/dev has no input for it); using ${r.data.model}, which can.`,
      );
    });

    it('checks what came back against what was asked', async () => {
      h.emulator.state.setTiming('fal-ai/flux/schnell', {
        queueMs: 5,
        runMs: 5,
        // The model ignores the size: one 4:3 image whatever was asked.
        output: (cdn, id) => ({
          images: [{ url: `${cdn}/${id}/image-1.png`, width: 1024, height: 768, content_type: 'image/png' }],
        }),
      });
      try {
        const r = await call('generate_image', {
          prompt: 'x',
          model: 'fal-ai/flux/schnell',
          aspect_ratio: '16:9',
          num_images: 2,
          preview: false,
        });
        expect(r.data.notes).toEqual(
          expect.arrayContaining([
            'Asked for 2 image(s); 1 came back.',
            'Asked for 16:9; the image is 1024×768 (4:3).',
          ]),
        );
        const fair = await call('generate_image', { prompt: 'x', aspect_ratio: '16:9', preview: false });
        expect(fair.data.media[0]).toMatchObject({ width: 1024, height: 576 });
        expect(fair.data.notes.join('\n')).not.toMatch(/Asked for/);
      } finally {
        h.emulator.state.setTiming('fal-ai/flux/schnell', { queueMs: 10, runMs: 20, queuePosition: 0 });
      }
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
      expect(r.text).toMatch(/it requires canvas_size, which this tool does not fill/);
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
        duration: 10,
        aspect_ratio: '9:16',
        wait_seconds: 1,
      });
      expect(r.data.status).toBe('IN_QUEUE');
      expect(r.data.next?.tool).toBe('check_job');
      expect(lastInput()?.input).toEqual({ prompt: 'waves', duration: '10', aspect_ratio: '9:16' });
      expect(r.data.notes).toContain(
        'duration 10 was sent to fal-ai/kling-video/v2.1/master/text-to-video as duration="10".',
      );
    });

    it('refuses a length no model offers rather than cutting it, and runs the nearest only when accepted', async () => {
      const r = await call('generate_video', { prompt: 'waves', duration: 40 });
      expect(r.isError).toBe(true);
      expect(r.text).toContain(
        '- duration 40: fal-ai/kling-video/v2.1/master/text-to-video takes one of "5", "10"; nearest duration="10"',
      );
      expect(submits()).toBe(0);
      const near = await call('generate_video', {
        prompt: 'waves',
        duration: 40,
        accept_nearest: true,
        wait_seconds: 0,
      });
      expect(near.data.notes[0]).toMatch(
        /^Run with what \S+ offers instead of what was asked \(accept_nearest\): duration 40/,
      );
      expect(submits()).toBe(1);
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
      const music = await call('generate_audio', { prompt: 'calm piano' });
      expect(music.data.model).toBe('fal-ai/lyria2');
      // Lyria takes no duration: a music model that does is chosen instead, and the result says so.
      const timed = await call('generate_audio', { prompt: 'calm piano', duration: 20 });
      expect(timed.data.model).not.toBe('fal-ai/lyria2');
      expect(timed.data.notes[0]).toMatch(
        /^The default fal-ai\/lyria2 cannot do all that was asked \(duration 20: /,
      );
      expect(JSON.stringify(lastInput()?.input)).toMatch(/20/);
      const song = await call('generate_audio', { prompt: 'pop', lyrics: 'la la la' });
      expect(song.data.model).toBe('fal-ai/minimax-music/v2');
      expect(lastInput()?.input).toEqual({ prompt: 'pop', lyrics_prompt: 'la la la' });
      const sfx = await call('generate_audio', { prompt: 'door creak', kind: 'sound_effect', duration: 3 });
      expect(sfx.data.model).toBe('fal-ai/elevenlabs/sound-effects/v2');
      expect(lastInput()?.input).toEqual({ text: 'door creak', duration_seconds: 3 });
      expect(sfx.data.media[0]?.kind).toBe('audio');
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
      expect(r.text).toMatch(/\(a text-to-image model\) cannot do text-to-speech: it makes image, not audio/);
    });

    it('refuses a voice the model does not have, before anything is billed', async () => {
      const r = await call('generate_speech', { text: 'hi', voice: 'Captain Nemo' });
      expect(r.isError).toBe(true);
      expect(r.text).toContain(
        'voice "Captain Nemo": fal-ai/elevenlabs/tts/multilingual-v2 does not take it',
      );
      expect(submits()).toBe(0);
      const enumerated = await call('generate_speech', {
        text: 'hi',
        voice: 'Captain Nemo',
        model: 'xai/tts/v1',
      });
      expect(enumerated.text).toMatch(
        /voice "Captain Nemo": xai\/tts\/v1 does not take it \(it takes one of "eve"/,
      );
      // A premade voice in any case, or a voice id from the caller's library, goes through.
      await call('generate_speech', { text: 'hi', voice: 'rachel' });
      expect(lastInput()?.input).toEqual({ text: 'hi', voice: 'Rachel' });
      expect(submits()).toBe(1);
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
      expect(r.data.transcript?.text).toBe('The quick brown fox jumps over the lazy dog.');
      expect(r.text).toMatch(/^Transcript \(fal-ai\/whisper, request \S+\):\nThe quick brown fox/);
    });

    it('refuses a model of the wrong kind', async () => {
      const r = await call('transcribe_audio', {
        audio_url: 'https://example.com/a.mp3',
        model: 'fal-ai/lyria2',
      });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(
        /fal-ai\/lyria2 \(a text-to-audio model\) cannot do speech-to-text: it makes audio, not text/,
      );
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
      const data = structuredOf('transcribe_audio', r);
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

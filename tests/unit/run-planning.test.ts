import { describe, expect, it } from 'vitest';
import type { MediaFile } from '../../src/jobs/job-record.js';
import { mapParams, missingRequired } from '../../src/media/map-params.js';
import { unknownVoice } from '../../src/media/voices.js';
import { resolveModel } from '../../src/registry/resolve.js';
import { searchCatalogue } from '../../src/registry/search.js';
import { askedOf, resultChecks } from '../../src/runs/asked.js';
import { liveCatalogue } from '../helpers/catalogue.js';

const KLING = {
  type: 'object',
  properties: {
    prompt: { type: 'string' },
    duration: { type: 'string', enum: ['5', '10'] },
    aspect_ratio: { type: 'string', enum: ['16:9', '9:16', '1:1'] },
  },
  required: ['prompt'],
};
const FLUX = {
  type: 'object',
  properties: {
    prompt: { type: 'string' },
    image_size: {
      anyOf: [
        { type: 'object', properties: { width: { type: 'number' }, height: { type: 'number' } } },
        { type: 'string', enum: ['square_hd', 'landscape_4_3', 'landscape_16_9'] },
      ],
    },
    num_images: { type: 'integer', minimum: 1, maximum: 4 },
  },
  required: ['prompt'],
};

describe('mapping what the caller asked onto a schema', () => {
  it('a change of form keeps the meaning: noted, not unmet', () => {
    const kling = mapParams('kling', KLING, { prompt: 'p', duration: 10, aspect_ratio: '16:9' });
    expect(kling.input).toEqual({ prompt: 'p', duration: '10', aspect_ratio: '16:9' });
    expect(kling.unmet).toEqual([]);
    expect(kling.notes).toEqual(['duration 10 was sent to kling as duration="10".']);
    const flux = mapParams('flux', FLUX, { prompt: 'p', aspect_ratio: '16:9' });
    expect(flux.input.image_size).toBe('landscape_16_9');
    expect(flux.unmet).toEqual([]);
    const ms = mapParams(
      'music',
      { type: 'object', properties: { music_length_ms: { type: 'integer' } } },
      {
        duration: 30,
      },
    );
    expect(ms.input).toEqual({ music_length_ms: 30_000 });
    expect(ms.unmet).toEqual([]);
  });

  it('a nearest value, an unknown value and a missing input are each unmet, with what the model takes', () => {
    const m = mapParams('kling', KLING, { prompt: 'p', duration: 8, aspect_ratio: '4:3', seed: 1 });
    expect(m.unmet).toEqual([
      {
        key: 'duration',
        value: 8,
        kind: 'nearest',
        sentAs: { name: 'duration', value: '10' },
        allowed: 'one of "5", "10"',
      },
      {
        key: 'aspect_ratio',
        value: '4:3',
        kind: 'nearest',
        sentAs: { name: 'aspect_ratio', value: '16:9' },
        allowed: 'one of "16:9", "9:16", "1:1"',
      },
      { key: 'seed', value: 1, kind: 'absent' },
    ]);
    const clamped = mapParams('flux', FLUX, { prompt: 'p', num_images: 6 });
    expect(clamped.unmet[0]).toMatchObject({ key: 'num_images', kind: 'nearest', allowed: '1 to 4' });
    const voices = { type: 'object', properties: { voice: { type: 'string', enum: ['eve', 'rex'] } } };
    expect(mapParams('xai', voices, { voice: 'Nemo' }).unmet).toEqual([
      {
        key: 'voice',
        value: 'Nemo',
        kind: 'value',
        sentAs: { name: 'voice', value: undefined },
        allowed: 'one of "eve", "rex"',
      },
    ]);
  });

  it("the tool's own defaults go silently, and only where the model has them", () => {
    const m = mapParams(
      'kling',
      KLING,
      { prompt: 'p' },
      { enable_safety_checker: true, aspect_ratio: '4:3' },
    );
    expect(m.unmet).toEqual([]);
    expect(m.input).toEqual({ prompt: 'p', aspect_ratio: '16:9' });
  });

  it('a required tags field is filled from the prompt, which then counts as taken', () => {
    const ace = {
      type: 'object',
      properties: { tags: { type: 'string' }, lyrics: { type: 'string' } },
      required: ['tags'],
    };
    const m = mapParams('ace', ace, { prompt: 'lofi, piano', lyrics: 'la' });
    expect(m.input).toEqual({ tags: 'lofi, piano', lyrics: 'la' });
    expect(m.unmet).toEqual([]);
    expect(m.notes).toContain('ace requires tags: it was filled from your prompt.');
    expect(missingRequired(ace, m.input)).toEqual([]);
    expect(missingRequired({ ...ace, required: ['tags', 'audio_url'] }, m.input)).toEqual(['audio_url']);
  });

  it('ElevenLabs voices: premade names in any case, or library ids; anything else is unmet', () => {
    const input: Record<string, unknown> = { voice: 'rachel' };
    expect(unknownVoice('fal-ai/elevenlabs/tts/multilingual-v2', input)).toBeUndefined();
    expect(input.voice).toBe('Rachel');
    expect(
      unknownVoice('fal-ai/elevenlabs/tts/turbo-v2.5', { voice: 'AbCdEfGhIjKlMnOpQrSt' }),
    ).toBeUndefined();
    expect(unknownVoice('fal-ai/elevenlabs/tts/turbo-v2.5', { voice: 'Captain Nemo' })).toMatchObject({
      key: 'voice',
      kind: 'value',
    });
    expect(unknownVoice('fal-ai/kokoro/american-english', { voice: 'Captain Nemo' })).toBeUndefined();
  });
});

describe('checking what came back against what was asked', () => {
  const image = (width: number, height: number): MediaFile => ({
    field: 'images[0]',
    url: 'https://v3.fal.media/a.png',
    kind: 'image',
    name: 'a.png',
    width,
    height,
  });
  it('says when the count, the shape or the length differ, and nothing when they match', () => {
    const asked = askedOf({ aspect_ratio: '16:9', num_images: 2, prompt: 'x' });
    expect(resultChecks(asked, [image(1024, 576), image(1024, 576)])).toEqual([]);
    expect(resultChecks(asked, [image(1024, 768)])).toEqual([
      'Asked for 2 image(s); 1 came back.',
      'Asked for 16:9; the image is 1024×768 (4:3).',
    ]);
    expect(resultChecks(askedOf({ image_size: { width: 800, height: 600 } }), [image(1024, 768)])).toEqual([
      'Asked for 800×600; the image is 1024×768.',
    ]);
    const clip = (duration: number): MediaFile => ({
      field: 'video',
      url: 'u',
      kind: 'video',
      name: 'v',
      duration,
    });
    expect(resultChecks(askedOf({ duration: 10 }), [clip(10.4)])).toEqual([]);
    expect(resultChecks(askedOf({ duration: 40 }), [clip(10)])).toEqual([
      'Asked for 40 s; the video is 10 s.',
    ]);
    expect(resultChecks(undefined, [image(1, 1)])).toEqual([]);
  });
});

describe('names as people write them', () => {
  const live = liveCatalogue();
  it('an id without its owner resolves when one model is it', () => {
    expect(resolveModel(live, 'flux-pro/v1.1-ultra')).toMatchObject({
      id: 'fal-ai/flux-pro/v1.1-ultra',
      note: '"flux-pro/v1.1-ultra" is fal-ai/flux-pro/v1.1-ultra (fal ids begin with their owner).',
    });
  });
  it('a hyphenated product name reaches its newest version, and only an exact set of words matches', () => {
    expect(resolveModel(live, 'flux-pro-ultra').id).toBe('fal-ai/flux-pro/v1.1-ultra');
    expect(resolveModel(live, 'ace-step').id).toBe('fal-ai/ace-step');
    expect(() => resolveModel(live, 'ace-step-pro')).toThrow(/Unknown model/);
  });
  it('local search: a model named outranks words that hit a LoRA variant; a product name matches only itself', () => {
    expect(searchCatalogue(live, { text: 'ghibli style', limit: 3 })[0]?.model.id).toBe('fal-ai/ghiblify');
    expect(searchCatalogue(live, { text: 'ace-step', category: 'text-to-image', limit: 3 })).toEqual([]);
    expect(
      searchCatalogue(live, { text: 'ace-step', limit: 10 }).every((h) =>
        h.model.id.startsWith('fal-ai/ace-step'),
      ),
    ).toBe(true);
  });
});

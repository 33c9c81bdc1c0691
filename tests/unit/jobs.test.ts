import { describe, expect, it } from 'vitest';
import { mapOutput } from '../../src/jobs/results.js';
import { validateInput } from '../../src/jobs/validate-input.js';
import { extensionForMime, mimeForExtension } from '../../src/lib/mime.js';
import { isBlockedAddress } from '../../src/net/address-guard.js';

describe('input validation against the model schema', () => {
  const schema = {
    type: 'object',
    required: ['prompt'],
    properties: {
      prompt: { type: 'string', maxLength: 10 },
      steps: { type: 'integer', minimum: 1, maximum: 50 },
      size: {
        anyOf: [
          { type: 'object', properties: { width: { type: 'integer' }, height: { type: 'integer' } } },
          { type: 'string', enum: ['square', 'portrait'] },
        ],
      },
      loras: {
        type: 'array',
        maxItems: 2,
        items: { type: 'object', required: ['path'], properties: { path: { type: 'string' } } },
      },
    },
  };

  it('accepts a valid input, including either branch of anyOf', () => {
    expect(validateInput(schema, { prompt: 'hi', size: 'square' })).toEqual([]);
    expect(
      validateInput(schema, { prompt: 'hi', size: { width: 512, height: 512 }, loras: [{ path: 'a' }] }),
    ).toEqual([]);
  });

  it('names every problem with what was expected', () => {
    const issues = validateInput(schema, {
      prompt: 'far too long a prompt',
      steps: 0.5,
      size: 'wide',
      loras: [{}, {}, {}],
    });
    expect(issues).toEqual([
      { field: 'prompt', message: 'must be at most 10 characters' },
      { field: 'steps', message: 'expected an integer, got a number' },
      { field: 'steps', message: 'must be at least 1' },
      { field: 'size', message: 'expected an object {width, height} or one of "square", "portrait"' },
      { field: 'loras', message: 'takes at most 2 item(s)' },
      { field: 'loras[0].path', message: 'is required' },
      { field: 'loras[1].path', message: 'is required' },
      { field: 'loras[2].path', message: 'is required' },
    ]);
    expect(validateInput(schema, { prompt: 'x', steps: 99 })).toEqual([
      { field: 'steps', message: 'must be at most 50' },
    ]);
    expect(validateInput(schema, 'just a string')).toEqual([
      { field: 'input', message: 'must be a JSON object of the model inputs' },
    ]);
  });

  it('checks const, pattern, format and oneOf as JSON Schema defines them', () => {
    const strict = {
      type: 'object',
      properties: {
        mode: { const: 'fast' },
        seed_text: { type: 'string', pattern: '^[a-z]+$' },
        image_url: { type: 'string', format: 'uri' },
        strength: {
          oneOf: [
            { type: 'number', maximum: 1 },
            { type: 'integer', minimum: 0 },
          ],
        },
      },
    };
    expect(
      validateInput(strict, {
        mode: 'fast',
        seed_text: 'abc',
        image_url: 'data:image/png;base64,AAAA',
        strength: 0.5,
      }),
    ).toEqual([]);
    expect(
      validateInput(strict, { mode: 'slow', seed_text: 'ABC', image_url: 'not a url', strength: 1 }),
    ).toEqual([
      { field: 'mode', message: 'expected "fast", got "slow"' },
      { field: 'seed_text', message: 'must match the pattern ^[a-z]+$' },
      { field: 'image_url', message: 'must be a valid uri, got "not a url"' },
      { field: 'strength', message: 'matches more than one of: a number or an integer' },
    ]);
  });

  it("reads OpenAPI 3.0's nullable and boolean exclusive bounds", () => {
    const openapi30 = {
      type: 'object',
      properties: {
        negative_prompt: { type: 'string', nullable: true },
        guidance: { type: 'number', minimum: 0, exclusiveMinimum: true },
        style: { type: 'string', enum: ['a', 'b'], nullable: true },
        size: {
          type: 'object',
          additionalProperties: false,
          properties: { width: { type: 'integer' } },
        },
      },
    };
    expect(validateInput(openapi30, { negative_prompt: null, style: null, guidance: 0.1 })).toEqual([]);
    expect(validateInput(openapi30, { guidance: 0, style: 'c', size: { width: 1, depth: 2 } })).toEqual([
      { field: 'guidance', message: 'must be greater than 0' },
      { field: 'style', message: 'expected one of "a", "b", null, got "c"' },
      { field: 'size.depth', message: 'is not a field of this object' },
    ]);
  });

  it('names the closest real field for an unknown top-level one', () => {
    expect(validateInput(schema, { prompt: 'hi', setps: 3 })).toEqual([
      { field: 'setps', message: 'is not an input of this model (did you mean "steps"?)' },
    ]);
  });
});

describe('mapping outputs', () => {
  it('finds File objects, arrays of them and bare media URLs, and drops big data URIs', () => {
    const mapped = mapOutput({
      images: [{ url: 'https://cdn.test/a.png', content_type: 'image/png', width: 10, height: 20 }],
      video: { url: 'https://cdn.test/v', content_type: 'video/mp4', file_name: 'clip.mp4', file_size: 2048 },
      model_mesh: { url: 'https://cdn.test/m.glb' },
      preview: 'https://cdn.test/p.webp',
      inline: { url: `data:image/png;base64,${'A'.repeat(5000)}` },
      seed: 7,
    });
    expect(mapped.media.map((m) => [m.field, m.kind, m.mime_type, m.name])).toEqual([
      ['images[0]', 'image', 'image/png', 'a.png'],
      ['video', 'video', 'video/mp4', 'clip.mp4'],
      ['model_mesh', '3d', 'model/gltf-binary', 'm.glb'],
      ['preview', 'image', 'image/webp', 'p.webp'],
    ]);
    expect(mapped.omittedDataUris).toBe(1);
    expect((mapped.output.inline as { url: string }).url).toMatch(
      /^\[image\/png data URI of 5022 characters omitted/,
    );
    expect(mapped.output.seed).toBe(7);
  });

  it('counts a bare URL as a file only when it names one a model makes, never a page or a script', () => {
    const mapped = mapOutput({
      song: 'https://cdn.test/s.mp3',
      weights: 'https://cdn.test/lora.safetensors',
      captions: 'https://cdn.test/c.srt',
      docs: 'https://fal.ai/models/x.html',
      script: 'https://cdn.test/x.js',
    });
    expect(mapped.media.map((m) => [m.field, m.mime_type])).toEqual([
      ['song', 'audio/mpeg'],
      ['weights', 'application/octet-stream'],
      ['captions', 'application/x-subrip'],
    ]);
  });
});

describe('MIME types (the mime package, told what people call a few files)', () => {
  it('names the usual extension and type of media files', () => {
    expect(
      ['audio/mpeg', 'video/quicktime', 'audio/ogg', 'image/jpeg', 'model/gltf-binary'].map(extensionForMime),
    ).toEqual(['mp3', 'mov', 'ogg', 'jpg', 'glb']);
    expect(['PNG', 'webm', 'flac', 'usdz', 'ply', 'nope'].map(mimeForExtension)).toEqual([
      'image/png',
      'video/webm',
      'audio/x-flac',
      'model/vnd.usdz+zip',
      'application/ply',
      undefined,
    ]);
    expect(mimeForExtension(undefined)).toBeUndefined();
  });
});

describe('the SSRF address check', () => {
  it.each([
    ['127.0.0.1', true],
    ['10.1.2.3', true],
    ['172.20.0.1', true],
    ['192.168.1.1', true],
    ['169.254.169.254', true],
    ['100.64.0.1', true],
    ['0.0.0.0', true],
    ['::1', true],
    ['fd00:ec2::254', true],
    ['fe80::1', true],
    ['::ffff:10.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['::ffff:8.8.8.8', true],
    ['::127.0.0.1', true],
    ['::ffff:0:7f00:1', true],
    ['64:ff9b::a00:1', true],
    ['64:ff9b:1::a00:1', true],
    ['2002:7f00:1::1', true],
    ['2001:0:4136:e378::1', true],
    ['fec0::1', true],
    ['8.8.8.8', false],
    ['2606:4700:4700::1111', false],
    ['not-an-ip', true],
  ])('%s blocked: %s', (address, blocked) => {
    expect(isBlockedAddress(address)).toBe(blocked);
  });
});

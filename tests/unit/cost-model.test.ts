import { describe, expect, it } from 'vitest';
import { estimateRun, unitsOf, workOf } from '../../src/jobs/cost-model.js';
import { ConfirmationRequired, checkSpend, type SpendRules } from '../../src/jobs/spend-guard.js';

const FLUX = {
  type: 'object',
  properties: {
    image_size: { anyOf: [{ type: 'object' }, { type: 'string' }], default: 'landscape_4_3' },
    num_images: { type: 'integer', default: 1 },
  },
};
const KLING = {
  type: 'object',
  properties: { duration: { type: 'string', enum: ['5', '10'], default: '5' } },
};
const PER_MP = { unit_price: 0.025, unit: 'megapixels', currency: 'USD' };

describe('the units an input implies', () => {
  it('megapixels: images × each image rounded up to whole megapixels (1024² each), defaults filled in', () => {
    expect(unitsOf('megapixels', {}, FLUX)).toEqual({ quantity: 1, words: '1 image(s) × 1 MP (1024×768)' });
    expect(unitsOf('megapixels', { num_images: 4, image_size: 'square_hd' }, FLUX)?.quantity).toBe(4);
    expect(unitsOf('megapixels', { image_size: { width: 2048, height: 1024 } }, FLUX)?.quantity).toBe(2);
    expect(unitsOf('megapixels', { image_size: { width: 1100, height: 1024 } }, FLUX)?.quantity).toBe(2);
    // A ratio alone does not say how many pixels a model makes.
    expect(unitsOf('megapixels', { aspect_ratio: '16:9' }, {})).toBeUndefined();
  });

  it('seconds from whichever length field the model takes; characters; one per request or video', () => {
    expect(unitsOf('second', {}, KLING)).toEqual({ quantity: 5, words: '5 s' });
    expect(unitsOf('second', { duration: '10' }, KLING)?.quantity).toBe(10);
    expect(unitsOf('seconds', { music_length_ms: 30_000 }, {})?.quantity).toBe(30);
    expect(unitsOf('1000 characters', { text: 'x'.repeat(2500) }, {})?.quantity).toBe(2.5);
    expect(unitsOf('video', {}, {})?.quantity).toBe(1);
    expect(unitsOf('request', {}, {})?.quantity).toBe(1);
    expect(unitsOf('minute', { audio_url: 'https://x/a.mp3' }, {})).toBeUndefined();
  });

  it('the work of an input is priced the same on another model: its defaults filled in', () => {
    expect(workOf({ prompt: 'x', num_images: 4 }, FLUX)).toEqual({
      prompt: 'x',
      num_images: 4,
      image_size: 'landscape_4_3',
    });
  });
});

describe('one estimate', () => {
  it("unit price × units, with fal's typical call beside it only when it differs", () => {
    expect(estimateRun({ num_images: 4 }, FLUX, PER_MP, 0.1)).toEqual({
      usd: 0.1,
      basis: '4 image(s) × 1 MP (1024×768) × $0.025 per megapixel',
      historicalUsd: 0.1,
    });
    expect(estimateRun({}, FLUX, PER_MP, 0.1)?.basis).toBe(
      "1 image(s) × 1 MP (1024×768) × $0.025 per megapixel; fal's typical past call: $0.1",
    );
  });

  it('when the units cannot be told, the higher of one unit and the typical call, said so', () => {
    const minute = { unit_price: 0.006, unit: 'minute', currency: 'USD' };
    expect(estimateRun({}, {}, minute, 0.024)).toEqual({
      usd: 0.024,
      basis:
        "the minute this input takes cannot be told before it runs ($0.006 per minute); using fal's typical past call, $0.024",
      historicalUsd: 0.024,
    });
    expect(estimateRun({}, {}, minute, 0.001)?.usd).toBe(0.006);
    expect(estimateRun({}, {}, undefined, 0.3)?.basis).toBe(
      "fal's typical past call (no unit price for this key)",
    );
    expect(estimateRun({}, {}, undefined, undefined)).toBeUndefined();
  });
});

describe('the spend rules use that figure', () => {
  const rules = (over: Partial<SpendRules>): SpendRules => ({
    callerCapUsd: undefined,
    serverCapUsd: undefined,
    confirmAboveUsd: undefined,
    confirmed: false,
    canConfirm: false,
    ...over,
  });
  const estimate = { usd: 0.1, basis: '4 image(s) × 1 MP × $0.025 per megapixel' };
  const none = async () => [];

  it('a cap below it refuses with the figure and the models that fit', async () => {
    await expect(
      checkSpend('m', estimate, undefined, rules({ callerCapUsd: 0.05 }), async () => [
        'cheap ($0.01: 4 image(s))',
      ]),
    ).rejects.toThrow(
      'Not submitted: m for this input is estimated at $0.1 (4 image(s) × 1 MP × $0.025 per megapixel), above max_cost_usd of $0.05. Models of the same kind whose estimate for this input fits: cheap ($0.01: 4 image(s)).',
    );
    await expect(
      checkSpend('m', estimate, undefined, rules({ callerCapUsd: 0.1 }), none),
    ).resolves.toBeUndefined();
  });

  it('above the threshold it asks (or refuses where no one can be asked); without a figure no rule is guessed', async () => {
    await expect(
      checkSpend('m', estimate, undefined, rules({ confirmAboveUsd: 0.05, canConfirm: true }), none),
    ).rejects.toBeInstanceOf(ConfirmationRequired);
    await expect(
      checkSpend('m', estimate, undefined, rules({ confirmAboveUsd: 0.05 }), none),
    ).rejects.toThrow(/max_cost_usd: 0\.1 \(or more\)/);
    await expect(
      checkSpend('m', undefined, 'fal unavailable', rules({ callerCapUsd: 1 }), none),
    ).rejects.toThrow('the cost of m could not be estimated (fal unavailable)');
    await expect(checkSpend('m', undefined, 'x', rules({}), none)).resolves.toBeUndefined();
  });
});

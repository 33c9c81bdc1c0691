import { describe, expect, it } from 'vitest';
import { recommendationReason } from '../../src/registry/recommend-reason.js';
import { taskPhrases } from '../../src/registry/search-words.js';
import type { Catalogue, FalModel } from '../../src/registry/types.js';

const model = (over: Partial<FalModel>): FalModel => ({
  id: 'acme/thing',
  name: 'Thing',
  description: '',
  category: '',
  owner: 'acme',
  status: 'active',
  tags: [],
  highlighted: false,
  groupKey: undefined,
  groupLabel: undefined,
  thumbnailUrl: undefined,
  modelUrl: undefined,
  updatedAt: undefined,
  date: undefined,
  ...over,
});

const catalogueOf = (models: FalModel[]) =>
  ({ list: models, models: new Map(models.map((m) => [m.id, m])) }) as unknown as Catalogue;

describe('recommendation reasons', () => {
  const flux1 = model({
    id: 'fal-ai/flux/dev',
    groupKey: 'flux-1',
    groupLabel: 'FLUX.1',
    category: 'text-to-image',
    date: '2024-08-01',
    highlighted: true,
    description: 'Sharp portrait photos',
  });
  const flux2 = model({ id: 'fal-ai/flux-2', groupKey: 'flux-1', groupLabel: 'FLUX.1', date: '2025-11-20' });
  const catalogue = catalogueOf([flux1, flux2]);

  it('names featured, the task read, what it takes and gives, the family with its newest, matched words', () => {
    expect(recommendationReason(flux1, 'portrait photo of a chef', { catalogue })).toBe(
      'Featured model by Fal.ai; Supports text-to-image generation (takes text, gives an image); ' +
        'Part of FLUX.1 family (2 models; newest: fal-ai/flux-2); Matches "portrait", "photo"',
    );
    expect(recommendationReason(flux2, 'x', { catalogue })).toContain('(2 models; the newest)');
  });

  it("says what the task was read as, and uses the model's own schema when it is cached", () => {
    const deblur = model({ id: 'fal-ai/nafnet/deblur', category: 'image-to-image' });
    const reason = recommendationReason(deblur, 'make this blurry photo sharper', {
      phrases: taskPhrases('make this blurry photo sharper'),
      summary: {
        required: ['image_url'],
        fields: [],
        file_inputs: ['image_url'],
        output_media: [{ field: 'image', kind: 'image', many: false }],
        output_fields: ['image'],
      },
    });
    expect(reason).toBe(
      'For sharpening a blurry image; Supports image transformation (takes image_url; gives image)',
    );
  });

  it("falls back to the seed's generic reason", () => {
    expect(recommendationReason(model({}), 'zzz')).toBe("Matches search for 'zzz'");
  });
});

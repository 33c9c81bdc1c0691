import { describe, expect, it } from 'vitest';
import { recommendationReason } from '../../src/registry/discovery.js';
import type { FalModel } from '../../src/registry/types.js';

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

describe('recommendation reasons (the seed rules, plus matched words)', () => {
  it('names featured, family, category fit and the matched task words, in that order', () => {
    const reason = recommendationReason(
      model({
        highlighted: true,
        groupLabel: 'FLUX.1',
        category: 'text-to-image',
        description: 'Sharp portrait photos',
      }),
      'portrait photo of a chef',
    );
    expect(reason).toBe(
      'Featured model by Fal.ai; Part of FLUX.1 family; Supports text-to-image generation; Matches "portrait", "photo"',
    );
  });

  it("falls back to the seed's generic reason", () => {
    expect(recommendationReason(model({}), 'zzz')).toBe("Matches search for 'zzz'");
  });
});

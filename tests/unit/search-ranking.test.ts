import { describe, expect, it } from 'vitest';
import { searchCatalogue, tokenize } from '../../src/registry/search.js';
import { liveCatalogue } from '../helpers/catalogue.js';

const live = liveCatalogue();
const top = (text: string, n = 5, category?: string) =>
  searchCatalogue(live, { text, limit: n, category }).map((h) => h.model.id);

describe('local ranked search over the 1,207-model catalogue', () => {
  // query → a model that must be first, or among the top N
  it.each([
    ['flux dev', 'fal-ai/flux/dev', 1],
    ['whisper', 'fal-ai/whisper', 1],
    ['remove background', 'fal-ai/bria/background/remove', 1],
    ['video upscale', 'fal-ai/video-upscaler', 1],
    ['fluxx schnel', 'fal-ai/flux/schnell', 1], // two typos
    ['upscal image', 'fal-ai/topaz/upscale/image', 3], // prefix
    ['flux pro', 'fal-ai/flux-pro/v1.1', 3],
    ['lip sync', 'fal-ai/sync-lipsync', 1],
    ['transcribe audio', 'fal-ai/whisper', 3], // synonym + intent
    ['kling text to video', 'fal-ai/kling-video/v3/pro/text-to-video', 5],
  ] as const)('%s → %s in the top %i', (query, expected, n) => {
    expect(top(query, n)).toContain(expected);
  });

  it('puts models matching every word above models matching some', () => {
    const hits = searchCatalogue(live, { text: 'kling text to video', limit: 10 });
    expect(hits.every((h) => h.model.id.includes('kling') && h.model.category === 'text-to-video')).toBe(
      true,
    );
  });

  it('honours a category filter in either vocabulary', () => {
    expect(top('speech', 10, 'text-to-speech').length).toBeGreaterThan(3);
    expect(
      searchCatalogue(live, { text: 'speech', limit: 20, category: 'audio' }).every((h) =>
        h.model.category.match(/speech|audio/),
      ),
    ).toBe(true);
    const video = searchCatalogue(live, { text: 'flux', limit: 50, category: 'video' });
    expect(video.every((h) => /video/.test(h.model.category))).toBe(true);
    expect(searchCatalogue(live, { text: 'flux', limit: 50 }).length).toBeGreaterThan(video.length);
  });

  it('returns the words each hit matched, for recommendation reasons', () => {
    const [hit] = searchCatalogue(live, { text: 'portrait photo', limit: 1 });
    expect(hit?.matched).toContain('portrait');
  });

  it('is deterministic: equal scores break on the shorter, then alphabetically first id', () => {
    expect(top('text to speech', 20)).toEqual(top('text to speech', 20));
    const hits = searchCatalogue(live, { text: 'text to speech', limit: 20 });
    for (let i = 1; i < hits.length; i++) {
      const a = hits[i - 1];
      const b = hits[i];
      if (a && b && a.score === b.score) expect(a.model.id.length).toBeLessThanOrEqual(b.model.id.length);
    }
  });

  it('finds nothing for noise, and still searches a query of only common words', () => {
    expect(top('qwxzzv')).toEqual([]);
    expect(tokenize('make me a model')).toEqual([]);
    expect(top('generate', 3).length).toBeGreaterThan(0);
  });
});

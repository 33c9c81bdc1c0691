import { describe, expect, it } from 'vitest';
import { SEARCH_QUERIES } from '../../bench/lib.js';
import { searchCatalogue, searchCatalogueCounted, tokenize } from '../../src/registry/search.js';
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
    // The query is chosen to tie: most of its top 20 share a score with a neighbour.
    expect(hits.filter((h, i) => i > 0 && hits[i - 1]?.score === h.score).length).toBeGreaterThan(5);
    const ordered = [...hits].sort(
      (a, b) =>
        b.score - a.score ||
        a.model.id.length - b.model.id.length ||
        (a.model.id < b.model.id ? -1 : a.model.id > b.model.id ? 1 : 0),
    );
    expect(hits.map((h) => h.model.id)).toEqual(ordered.map((h) => h.model.id));
  });

  it('finds nothing for noise, and still searches a query of only common words', () => {
    expect(top('qwxzzv')).toEqual([]);
    expect(tokenize('make me a model')).toEqual([]);
    expect(top('generate', 3).length).toBeGreaterThan(0);
  });

  it('the best k without a full sort are exactly the first k of the full ranking, with the same total', () => {
    for (const text of [...SEARCH_QUERIES, 'image', 'video', 'a']) {
      for (const category of [undefined, 'image', 'text-to-video']) {
        const all = searchCatalogueCounted(live, { text, category, limit: Number.POSITIVE_INFINITY });
        for (const limit of [0, 1, 5, 20]) {
          const some = searchCatalogueCounted(live, { text, category, limit });
          expect(some.total).toBe(all.total);
          expect(some.hits.map((h) => [h.model.id, h.score])).toEqual(
            all.hits.slice(0, limit).map((h) => [h.model.id, h.score]),
          );
        }
      }
    }
  });

  it('answers a repeated word the same from its memoised expansion', () => {
    const first = searchCatalogue(live, { text: 'upscal vidoe', limit: 10 });
    const again = searchCatalogue(live, { text: 'upscal vidoe', limit: 10 });
    expect(again).toEqual(first);
    expect(first.length).toBeGreaterThan(0);
  });

  it('a very long query counts its first 32 words and still ranks (no overflow of the word mask)', () => {
    const words = 'flux video image audio upscale portrait anime music speech whisper kling lipsync'.split(
      ' ',
    );
    const text = Array.from({ length: 40 }, (_, i) => `${words[i % words.length]}${i >= 12 ? i : ''}`).join(
      ' ',
    );
    const before = searchCatalogue(live, { text: 'flux dev', limit: 5 });
    const { hits, total } = searchCatalogueCounted(live, { text, limit: 5 });
    expect(hits).toHaveLength(5);
    expect(total).toBeGreaterThan(100);
    expect(searchCatalogueCounted(live, { text, limit: 5 }).hits).toEqual(hits);
    // The scratch space is clean afterwards: a small query ranks exactly as before.
    expect(searchCatalogue(live, { text: 'flux dev', limit: 5 })).toEqual(before);
  });
});

import { describe, expect, it } from 'vitest';
import { UnknownModelError } from '../../src/errors.js';
import { autoAlias, LEGACY_ALIASES } from '../../src/registry/aliases.js';
import {
  buildCatalogueFromModels,
  buildFallbackCatalogue,
  modelFromEntry,
} from '../../src/registry/catalogue.js';
import { CATEGORY_MAPPING, falCategoriesOf } from '../../src/registry/categories.js';
import { listModels } from '../../src/registry/list.js';
import { resolveModel } from '../../src/registry/resolve.js';
import { liveCatalogue } from '../helpers/catalogue.js';

const live = liveCatalogue();

describe('names', () => {
  it('passes full ids through, with no note when the catalogue knows them', () => {
    expect(resolveModel(live, 'fal-ai/flux/dev')).toMatchObject({ id: 'fal-ai/flux/dev', note: undefined });
    expect(resolveModel(live, 'fal-ai/flux/dev').model?.name).toBe('Flux Dev');
  });

  it('passes an unknown full id through with a note naming close matches (it may be a private app)', () => {
    const r = resolveModel(live, 'fal-ai/flux/devv');
    expect(r.id).toBe('fal-ai/flux/devv');
    expect(r.note).toMatch(/not in fal's public catalogue \(closest: fal-ai\/flux\/dev/);
  });

  it('resolves every legacy alias: to its target while live, to a named successor once retired', () => {
    const served = Object.entries(LEGACY_ALIASES).filter(([, legacy]) => live.models.has(legacy.target));
    const retired = Object.entries(LEGACY_ALIASES).filter(([, legacy]) => !live.models.has(legacy.target));
    expect(served.length).toBeGreaterThan(0);
    expect(retired.length).toBeGreaterThan(0);
    for (const [alias, legacy] of served)
      expect(resolveModel(live, alias)).toMatchObject({ id: legacy.target });
    for (const [alias, legacy] of retired) {
      const r = resolveModel(live, alias);
      expect(live.models.has(r.id)).toBe(true);
      expect(r.note).toContain(`pointed at ${legacy.target}, which fal no longer serves`);
    }
    expect(resolveModel(live, 'musicgen').id).toBe('fal-ai/lyria2');
  });

  it('repairs the seed aliases whose targets fal retired, and says so', () => {
    const cases = {
      flux_pro: 'fal-ai/flux-pro/v1.1',
      kling: 'fal-ai/kling-video/v2.1/master/text-to-video',
      animatediff: 'fal-ai/fast-animatediff/text-to-video',
      bark: 'fal-ai/dia-tts',
    };
    for (const [alias, successor] of Object.entries(cases)) {
      const r = resolveModel(live, alias);
      expect(r.id).toBe(successor);
      expect(live.models.has(r.id)).toBe(true);
      expect(r.note).toMatch(new RegExp(`no longer serves; using ${successor.replaceAll('/', '\\/')}`));
    }
  });

  it('without the known successor, picks the newest live model of the family for the same task', () => {
    const without = liveCatalogue((m) => m.endpoint_id !== 'fal-ai/kling-video/v2.1/master/text-to-video');
    expect(resolveModel(without, 'kling').id).toBe('fal-ai/kling-video/v3/pro/text-to-video');
    const noFlux = liveCatalogue((m) => m.endpoint_id !== 'fal-ai/flux-pro/v1.1');
    expect(noFlux.aliases.get('flux_pro')).toMatch(/^fal-ai\/flux-pro\//);
    expect(noFlux.models.get(noFlux.aliases.get('flux_pro') as string)?.category).toBe('text-to-image');
  });

  it('gives every fal-ai id the seed automatic alias; legacy aliases win', () => {
    expect(autoAlias('fal-ai/flux-pro/v1.1-ultra')).toBe('flux_pro_v1.1_ultra');
    expect(resolveModel(live, 'flux_pro_v1.1_ultra').id).toBe('fal-ai/flux-pro/v1.1-ultra');
    expect(resolveModel(live, 'stable_audio_25_text_to_audio').id).toBe(
      'fal-ai/stable-audio-25/text-to-audio',
    );
    // "flux_pro" would be nobody's automatic alias; the legacy table owns it.
    expect(live.aliases.get('flux_pro')).toBe('fal-ai/flux-pro/v1.1');
  });

  it('gives other owners aliases that do not clash, and resolves aliases case-insensitively', () => {
    expect(resolveModel(live, 'bria_background_remove').id).toMatch(/^(bria|fal-ai)\//);
    const bria = [...live.aliases].find(([, id]) => id.startsWith('bria/'));
    expect(bria?.[0]).toMatch(/^bria_/);
    expect(resolveModel(live, 'FLUX_DEV').id).toBe('fal-ai/flux/dev');
  });

  it('settles alias collisions deterministically: fewer segments, then alphabetical', () => {
    const collide = liveCatalogue(
      (m) => m.endpoint_id.startsWith('CassetteAI/') || m.endpoint_id.startsWith('cassetteai/'),
    );
    expect(collide.aliases.get('cassetteai_music_generator')).toBe('CassetteAI/music-generator');
    // The live catalogue has no colliding ids today: build ones that do.
    const model = (id: string) =>
      modelFromEntry({ endpoint_id: id, metadata: { category: 'text-to-image' } });
    const built = buildCatalogueFromModels(
      ['fal-ai/foo/bar', 'fal-ai/foo_bar', 'fal-ai/foo-bar', 'fal-ai/baz/qux', 'fal-ai/baz_qux'].map(model),
      0,
      Date.now(),
      3_600_000,
    );
    expect(['fal-ai/foo/bar', 'fal-ai/foo_bar', 'fal-ai/foo-bar'].map(autoAlias)).toEqual([
      'foo_bar',
      'foo_bar',
      'foo_bar',
    ]);
    // Fewer path segments first, then the alphabetically first ("-" sorts before "_").
    expect(built.aliases.get('foo_bar')).toBe('fal-ai/foo-bar');
    expect(built.aliases.get('baz_qux')).toBe('fal-ai/baz_qux');
    // Building twice gives the same table.
    expect([...liveCatalogue().aliases]).toEqual([...live.aliases]);
  });

  it('refuses an unknown alias with the closest names', () => {
    expect(() => resolveModel(live, 'flux_devv')).toThrow(UnknownModelError);
    try {
      resolveModel(live, 'flux_devv');
    } catch (e) {
      expect((e as UnknownModelError).suggestions[0]).toBe('fal-ai/flux/dev');
      expect((e as Error).message).toMatch(/^Unknown model "flux_devv"\. Closest matches: fal-ai\/flux\/dev/);
    }
  });
});

describe('categories and listing', () => {
  it("maps fal's categories to the seed's simplified ones, plus 3d and text", () => {
    expect(CATEGORY_MAPPING['text-to-image']).toBe('image');
    expect(CATEGORY_MAPPING['speech-to-text']).toBe('audio');
    expect(CATEGORY_MAPPING['image-to-3d']).toBe('3d');
    expect(falCategoriesOf('image')).toEqual(['text-to-image', 'image-to-image']);
    expect(falCategoriesOf('video')[0]).toBe('text-to-video');
  });

  it('filters by either vocabulary', () => {
    const image = listModels(live, { category: 'image', limit: 10_000 });
    expect(image.total).toBe(150 + 382);
    expect(listModels(live, { category: 'text-to-image', limit: 10_000 }).total).toBe(150);
    expect(listModels(live, { category: '3d', limit: 10_000 }).total).toBe(27 + 7);
    expect(listModels(live, { category: 'nonsense', limit: 10 }).total).toBe(0);
  });

  it('applies the text filter and the limit', () => {
    const r = listModels(live, { search: 'whisper', limit: 50 });
    expect(r.models[0]?.id).toBe('fal-ai/whisper');
    const limited = listModels(live, { category: 'video', limit: 5 });
    expect(limited.models).toHaveLength(5);
    expect(limited.total).toBeGreaterThan(400);
  });

  it('lists the fallback catalogue by simplified category as the seed did', () => {
    const fallback = buildFallbackCatalogue('Connection error', Date.now());
    expect(listModels(fallback, { category: 'image', limit: 50 }).models.map((m) => m.name)).toEqual([
      'Sdxl',
      'Flux Pro',
      'Flux Dev',
      'Flux Schnell',
      'Stable Diffusion',
    ]);
    expect(listModels(fallback, { category: 'audio', limit: 50 }).total).toBe(4);
  });
});

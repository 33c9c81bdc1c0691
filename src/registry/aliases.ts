import type { SimpleCategory } from './categories.js';
import type { AliasRepair, FalModel } from './types.js';

interface LegacyAlias {
  target: string;
  /** The seed's simplified category (used for the fallback catalogue). */
  category: SimpleCategory;
  /** fal category of the task the alias stood for, used to pick a live successor. */
  task: string;
  /** For targets fal has retired: the successor last seen live, preferred while it exists. */
  successor?: string;
}

/** The seed's friendly names. Some targets have since left fal's catalogue; see repairLegacy. */
export const LEGACY_ALIASES: Readonly<Record<string, LegacyAlias>> = {
  flux_schnell: { target: 'fal-ai/flux/schnell', category: 'image', task: 'text-to-image' },
  flux_dev: { target: 'fal-ai/flux/dev', category: 'image', task: 'text-to-image' },
  flux_pro: {
    target: 'fal-ai/flux-pro',
    category: 'image',
    task: 'text-to-image',
    successor: 'fal-ai/flux-pro/v1.1',
  },
  sdxl: { target: 'fal-ai/fast-sdxl', category: 'image', task: 'text-to-image' },
  stable_diffusion: { target: 'fal-ai/stable-diffusion-v3-medium', category: 'image', task: 'text-to-image' },
  svd: { target: 'fal-ai/fast-svd-lcm', category: 'video', task: 'image-to-video' },
  animatediff: {
    target: 'fal-ai/fast-animatediff',
    category: 'video',
    task: 'text-to-video',
    successor: 'fal-ai/fast-animatediff/text-to-video',
  },
  kling: {
    target: 'fal-ai/kling-video',
    category: 'video',
    task: 'text-to-video',
    successor: 'fal-ai/kling-video/v2.1/master/text-to-video',
  },
  musicgen: { target: 'fal-ai/lyria2', category: 'audio', task: 'text-to-audio' },
  lyria2: { target: 'fal-ai/lyria2', category: 'audio', task: 'text-to-audio' },
  stable_audio: { target: 'fal-ai/stable-audio-25/text-to-audio', category: 'audio', task: 'text-to-audio' },
  bark: { target: 'fal-ai/bark', category: 'audio', task: 'text-to-speech', successor: 'fal-ai/dia-tts' },
  whisper: { target: 'fal-ai/whisper', category: 'audio', task: 'speech-to-text' },
};

/** The seed's rule: `fal-ai/flux/dev` → `flux_dev`. Other owners keep their name: `bria/x` → `bria_x`. */
export function autoAlias(id: string): string {
  const rest = id.startsWith('fal-ai/') ? id.slice('fal-ai/'.length) : id;
  return rest.replace(/[/-]/g, '_').toLowerCase();
}

export interface AliasTable {
  aliases: Map<string, string>;
  aliasesById: Map<string, string[]>;
  repairs: Map<string, AliasRepair>;
}

/**
 * Legacy aliases win; then fal-ai ids; then other owners where they do not clash.
 * Within a tier, when two ids collide on one alias, the id with fewer path
 * segments wins, then the alphabetically first: the same catalogue always gives
 * the same table.
 */
export function buildAliases(models: ReadonlyMap<string, FalModel>, live: boolean): AliasTable {
  const aliases = new Map<string, string>();
  const repairs = new Map<string, AliasRepair>();
  for (const [alias, legacy] of Object.entries(LEGACY_ALIASES)) {
    if (models.has(legacy.target)) {
      aliases.set(alias, legacy.target);
      continue;
    }
    const successor = live ? repairLegacy(legacy, models) : legacy.successor;
    if (successor) {
      aliases.set(alias, successor);
      repairs.set(alias, { alias, staleTarget: legacy.target, resolvedTo: successor });
    }
  }

  const ids = [...models.keys()].sort(byPreference);
  for (const tier of [(id: string) => id.startsWith('fal-ai/'), (id: string) => !id.startsWith('fal-ai/')]) {
    for (const id of ids) {
      if (!tier(id)) continue;
      const alias = autoAlias(id);
      if (!aliases.has(alias)) aliases.set(alias, id);
    }
  }

  const aliasesById = new Map<string, string[]>();
  for (const [alias, id] of aliases) {
    const list = aliasesById.get(id);
    if (list) list.push(alias);
    else aliasesById.set(id, [alias]);
  }
  return { aliases, aliasesById, repairs };
}

function segments(id: string): number {
  return id.split('/').length;
}

function byPreference(a: string, b: string): number {
  return segments(a) - segments(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Highest `vN[.M]` path segment in an id, 0 when it has none. */
function versionOf(id: string): number {
  let best = 0;
  for (const part of id.split('/')) {
    const m = /^v(\d+(?:\.\d+)?)/.exec(part);
    if (m?.[1]) best = Math.max(best, Number(m[1]));
  }
  return best;
}

/**
 * A legacy alias whose target has gone: its known successor while that is live;
 * otherwise the best live model of the same family (ids under the old target, newest version first); when the family is
 * gone too, the plainest active fal-ai model for the same task.
 */
function repairLegacy(legacy: LegacyAlias, models: ReadonlyMap<string, FalModel>): string | undefined {
  if (legacy.successor && models.has(legacy.successor)) return legacy.successor;
  const all = [...models.values()].filter((m) => m.status !== 'deprecated');
  const family = all.filter((m) => m.id.startsWith(`${legacy.target}/`));
  const pool = family.length > 0 ? family : all.filter((m) => m.category === legacy.task);
  const ranked = pool.sort(
    (a, b) =>
      Number(b.category === legacy.task) - Number(a.category === legacy.task) ||
      Number(b.owner === 'fal-ai') - Number(a.owner === 'fal-ai') ||
      versionOf(b.id) - versionOf(a.id) ||
      (b.updatedAt ?? b.date ?? '').localeCompare(a.updatedAt ?? a.date ?? '') ||
      byPreference(a.id, b.id),
  );
  return ranked[0]?.id;
}

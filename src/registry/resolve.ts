import { UnknownModelError } from '../errors.js';
import { editDistance } from '../lib/edit-distance.js';
import type { Catalogue, FalModel } from './types.js';

export interface Resolution {
  /** The endpoint id to call. */
  id: string;
  /** The model's catalogue entry, when the catalogue knows it. */
  model: FalModel | undefined;
  /** Set when the name needed explaining (a repaired alias, an id the catalogue lacks). */
  note: string | undefined;
}

/** Closest ids and aliases to a name nobody knows: shared prefix/containment first, then edit distance. */
export function closestNames(catalogue: Catalogue, input: string, limit = 5): string[] {
  const needle = input.trim().toLowerCase();
  const scored: { name: string; score: number }[] = [];
  const consider = (name: string, id: string) => {
    const hay = name.toLowerCase();
    let score: number;
    if (hay.includes(needle) || needle.includes(hay)) score = Math.abs(hay.length - needle.length) / 100;
    else score = 1 + editDistance(needle, hay, 8);
    if (score <= 9) scored.push({ name: id, score });
  };
  for (const m of catalogue.list) consider(m.id, m.id);
  for (const [alias, id] of catalogue.aliases) consider(alias, id);
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return [...new Set(scored.map((s) => s.name))].slice(0, limit);
}

/**
 * A full id (contains "/") or an alias → the endpoint id to call. Unknown aliases
 * throw with close matches; unknown ids pass through with a note when the
 * catalogue is live (fal has private and brand-new apps we cannot see).
 */
export function resolveModel(catalogue: Catalogue, input: string): Resolution {
  const name = input.trim();
  if (name.includes('/')) {
    const model = catalogue.models.get(name);
    if (model || catalogue.source === 'fallback') return { id: name, model, note: undefined };
    const owned = withOwner(catalogue, name);
    if (owned)
      return {
        id: owned.id,
        model: owned,
        note: `"${name}" is ${owned.id} (fal ids begin with their owner).`,
      };
    const close = closestNames(catalogue, name, 3);
    return {
      id: name,
      model: undefined,
      note: `"${name}" is not in fal's public catalogue${close.length ? ` (closest: ${close.join(', ')})` : ''}; it may be a private app.`,
    };
  }
  const alias = name.toLowerCase();
  const id = catalogue.aliases.get(alias);
  if (!id) {
    const named = byWords(catalogue, name);
    if (named) return { id: named.id, model: named, note: `"${name}" read as ${named.id}.` };
    throw new UnknownModelError(name, closestNames(catalogue, name));
  }
  const repair = catalogue.repairs.get(alias);
  return {
    id,
    model: catalogue.models.get(id),
    note: repair
      ? `Alias "${alias}" pointed at ${repair.staleTarget}, which fal no longer serves; using ${repair.resolvedTo} from the same family.`
      : undefined,
  };
}

/** An id written without its owner ("flux-pro/v1.1-ultra"): the one catalogue id that is it with an owner in front. */
function withOwner(catalogue: Catalogue, name: string): FalModel | undefined {
  const depth = name.split('/').length + 1;
  const found = catalogue.list.filter((m) => m.id.endsWith(`/${name}`) && m.id.split('/').length === depth);
  return found.length === 1 ? found[0] : undefined;
}

const VERSION = /^v?\d+(\.\d+)*$/;

/** The words of a name without its owner and versions: "fal-ai/flux-pro/v1.1-ultra" → flux, pro, ultra. */
function wordsOf(path: string): { words: string; version: number[] } {
  const tokens = path
    .toLowerCase()
    .split(/[/_\s-]+/)
    .filter(Boolean);
  const versions = tokens.filter((t) => VERSION.test(t));
  const words = tokens
    .filter((t) => !VERSION.test(t))
    .sort()
    .join(' ');
  return { words, version: (versions.at(-1) ?? '0').replace(/^v/, '').split('.').map(Number) };
}

const newer = (a: number[], b: number[]) => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return false;
};

/**
 * A name as people write it ("flux-pro-ultra", "ace-step"): the model whose id,
 * without owner and version, has exactly these words; the newest version when
 * there are several. Extra or missing words match nothing (no guessing).
 */
function byWords(catalogue: Catalogue, name: string): FalModel | undefined {
  const wanted = wordsOf(name).words;
  if (!wanted) return undefined;
  let best: { model: FalModel; version: number[] } | undefined;
  for (const model of catalogue.list) {
    if (model.status === 'deprecated') continue;
    const { words, version } = wordsOf(model.id.split('/').slice(1).join('/'));
    if (words !== wanted) continue;
    if (
      !best ||
      newer(version, best.version) ||
      (!newer(best.version, version) && model.id.length < best.model.id.length)
    ) {
      best = { model, version };
    }
  }
  return best?.model;
}

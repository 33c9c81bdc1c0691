import { editDistance } from '../lib/edit-distance.js';
import { categoryMatcher } from './categories.js';
import { FIELD_WEIGHTS, type Field, INTENTS, rawTokens, SYNONYMS, tokenize } from './search-words.js';
import { type Ranked, topK } from './top-k.js';
import type { Catalogue, FalModel } from './types.js';

export { tokenize } from './search-words.js';

interface Posting {
  doc: number;
  weight: number;
}

interface SearchIndex {
  docs: readonly FalModel[];
  postings: Map<string, Posting[]>;
  /** Vocabulary bucketed by length, for prefix and typo lookups. */
  byLength: Map<number, string[]>;
  /** Every hyphenated family name ("ace-step", "flux-pro"): written in a query, it names that product. */
  products: Set<string>;
  /** Per document, computed once (a query touches hundreds): its family (the id's second part), lower case… */
  families: readonly string[];
  /** … that family without separators, for "the query names this model" … */
  bareFamilies: readonly string[];
  /** … and its display name, lower case. */
  lowerNames: readonly string[];
  vocabulary: string[];
  /** What each query word expanded to (prefixes, synonyms, typos): agents reuse few words. */
  expansions: Map<string, Map<string, number>>;
  /**
   * Per-document scratch for one query, reused (search is synchronous, so one query
   * at a time): a word's best score, the running total, and which words matched (bits).
   */
  scratch: { wordBest: Float64Array; total: Float64Array; matched: Uint32Array };
}

/** Words of a query that count (a bit each in the scratch mask). */
const MAX_QUERY_WORDS = 32;

/** Bound on remembered word expansions per catalogue (cleared when full). */
const MAX_EXPANSIONS = 4096;

const indexes = new WeakMap<Catalogue, SearchIndex>();

function familyOf(model: FalModel): string {
  return [model.groupLabel, model.groupKey, model.id.split('/')[1]].filter(Boolean).join(' ');
}

function buildIndex(catalogue: Catalogue): SearchIndex {
  const docs = catalogue.list;
  const postings = new Map<string, Posting[]>();
  docs.forEach((model, doc) => {
    const fields: Record<Field, string> = {
      id: model.id,
      name: model.name,
      tags: model.tags.join(' '),
      family: familyOf(model),
      category: model.category,
      description: model.description,
    };
    // One weight per token per document: the best field it appears in.
    const best = new Map<string, number>();
    for (const field of Object.keys(fields) as Field[]) {
      for (const token of tokenize(fields[field])) {
        best.set(token, Math.max(best.get(token) ?? 0, FIELD_WEIGHTS[field]));
      }
    }
    for (const [token, weight] of best) {
      const list = postings.get(token);
      if (list) list.push({ doc, weight });
      else postings.set(token, [{ doc, weight }]);
    }
  });
  const vocabulary = [...postings.keys()].sort();
  const byLength = new Map<number, string[]>();
  for (const token of vocabulary) {
    const list = byLength.get(token.length);
    if (list) list.push(token);
    else byLength.set(token.length, [token]);
  }
  const n = docs.length;
  const families = docs.map((m) => (m.id.split('/')[1] ?? '').toLowerCase());
  const products = new Set(families.filter((f) => f.includes('-')));
  return {
    docs,
    postings,
    byLength,
    products,
    families,
    bareFamilies: families.map((f) => f.replace(/[-_.]/g, '')),
    lowerNames: docs.map((m) => m.name.toLowerCase()),
    vocabulary,
    expansions: new Map(),
    scratch: { wordBest: new Float64Array(n), total: new Float64Array(n), matched: new Uint32Array(n) },
  };
}

/** Build the index ahead of the first query (the registry calls this after each crawl). */
export function prepareSearch(catalogue: Catalogue): void {
  indexOf(catalogue);
}

function indexOf(catalogue: Catalogue): SearchIndex {
  let index = indexes.get(catalogue);
  if (!index) {
    index = buildIndex(catalogue);
    indexes.set(catalogue, index);
  }
  return index;
}

/** Vocabulary tokens a query token stands for, with how good each match is (memoised per catalogue). */
function expand(index: SearchIndex, token: string): Map<string, number> {
  const known = index.expansions.get(token);
  if (known) return known;
  if (index.expansions.size >= MAX_EXPANSIONS) index.expansions.clear();
  const out = expandUncached(index, token);
  index.expansions.set(token, out);
  return out;
}

function expandUncached(index: SearchIndex, token: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (t: string, quality: number) => {
    if (index.postings.has(t) && quality > (out.get(t) ?? 0)) out.set(t, quality);
  };
  add(token, 1);
  for (const syn of SYNONYMS[token] ?? []) add(syn, 0.6);
  if (token.length >= 3) {
    // Prefix: "upscal" finds "upscale", "upscaler". Binary search the sorted vocabulary.
    let lo = 0;
    let hi = index.vocabulary.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((index.vocabulary[mid] as string) < token) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < index.vocabulary.length; i++) {
      const t = index.vocabulary[i] as string;
      if (!t.startsWith(token)) break;
      add(t, 0.75);
    }
  }
  if (token.length >= 4) {
    // Small typos: one edit for ordinary words, two for long ones.
    const max = token.length >= 8 ? 2 : 1;
    for (let len = token.length - max; len <= token.length + max; len++) {
      for (const t of index.byLength.get(len) ?? []) {
        if (t[0] !== token[0] && t[1] !== token[1]) continue;
        const d = editDistance(token, t, max);
        if (d <= max && d > 0) add(t, d === 1 ? 0.6 : 0.45);
      }
    }
  }
  return out;
}

export interface SearchHit {
  model: FalModel;
  score: number;
  /** The query words that matched something in this model. */
  matched: string[];
}

export interface SearchQuery {
  text: string;
  category?: string | undefined;
  limit: number;
  /** Leave out deprecated models (default true). */
  activeOnly?: boolean;
  /** Categories the task is known to want (from a task phrase), boosted like a word's intent. */
  categories?: readonly string[];
}

/**
 * Ranked local search: every query word is matched exactly, by prefix, by
 * synonym or with a small typo, weighted by the field it hits; models that
 * match more of the words rank first. Ties break on the shorter, then the
 * alphabetically first id, so results are deterministic.
 */
export function searchCatalogue(catalogue: Catalogue, query: SearchQuery): SearchHit[] {
  return searchCatalogueCounted(catalogue, query).hits;
}

/** The best `limit` hits, and how many models matched in all. */
export function searchCatalogueCounted(
  catalogue: Catalogue,
  query: SearchQuery,
): { hits: SearchHit[]; total: number } {
  const index = indexOf(catalogue);
  // A query made only of common words ("generate") still searches for them.
  const filtered = tokenize(query.text);
  const words = [...new Set(filtered.length > 0 ? filtered : rawTokens(query.text))].slice(
    0,
    MAX_QUERY_WORDS,
  );
  const intents = new Set([...words.flatMap((w) => INTENTS[w] ?? []), ...(query.categories ?? [])]);
  const inCategory = categoryMatcher(query.category);
  const activeOnly = query.activeOnly ?? true;
  if (words.length === 0) return { hits: [], total: 0 };

  // Typed arrays instead of maps per query: a common word touches hundreds of documents.
  const { wordBest, total, matched } = index.scratch;
  const touched: number[] = [];
  words.forEach((word, bit) => {
    const wordTouched: number[] = [];
    for (const [token, quality] of expand(index, word)) {
      const postings = index.postings.get(token) ?? [];
      // A rare word ("ghiblify") says more than a common one ("style", in every LoRA's name).
      const rarity =
        1 + Math.log(index.docs.length / Math.max(1, postings.length)) / Math.log(index.docs.length + 1);
      for (const p of postings) {
        const s = quality * p.weight * rarity;
        const best = wordBest[p.doc] as number;
        if (best === 0) wordTouched.push(p.doc);
        if (s > best) wordBest[p.doc] = s;
      }
    }
    for (const doc of wordTouched) {
      if (matched[doc] === 0) touched.push(doc);
      total[doc] = (total[doc] as number) + (wordBest[doc] as number);
      matched[doc] = (matched[doc] as number) | (1 << bit);
      wordBest[doc] = 0;
    }
  });

  const phrase = query.text.trim().toLowerCase();
  // A product named in the query ("ace-step") matches that product only, never a model that
  // merely shares one of its words ("step" in flux/schnell's "1 to 4 steps").
  const named = (phrase.match(/[a-z0-9]+(?:-[a-z0-9]+)+/g) ?? []).filter((t) => index.products.has(t));
  const ranked: Ranked[] = [];
  for (const doc of touched) {
    const score = total[doc] as number;
    const mask = matched[doc] as number;
    total[doc] = 0;
    matched[doc] = 0;
    const model = index.docs[doc] as FalModel;
    if (inCategory && !inCategory(model.category)) continue;
    if (activeOnly && model.status === 'deprecated') continue;
    if (named.length > 0 && !named.includes(index.families[doc] ?? '')) continue;
    const coverage = bitCount(mask) / words.length;
    let rank = score * coverage * coverage;
    if (phrase.length > 2 && ((index.lowerNames[doc] ?? '').includes(phrase) || model.id.includes(phrase)))
      rank *= 1.5;
    if (intents.has(model.category)) rank *= 1.3;
    if (namesModel(words, index.bareFamilies[doc] ?? '')) rank *= 1.5;
    if (model.highlighted) rank *= 1.2;
    ranked.push({ model, score: Math.round(rank * 1000) / 1000, mask });
  }
  return {
    hits: topK(ranked, query.limit).map((r) => ({
      model: r.model,
      score: r.score,
      matched: words.filter((_, bit) => r.mask & (1 << bit)),
    })),
    total: ranked.length,
  };
}

function bitCount(mask: number): number {
  let n = 0;
  for (let m = mask; m !== 0; m &= m - 1) n++;
  return n;
}

/**
 * A query word that is most of a model's own name ("ghibli" for fal-ai/ghiblify): the
 * caller named that model, which outranks words that only hit a variant's suffix
 * ("style" in a LoRA gallery's hdr-style).
 */
function namesModel(words: readonly string[], family: string): boolean {
  return words.some((w) => w.length >= 4 && family.startsWith(w) && w.length / family.length >= 0.6);
}

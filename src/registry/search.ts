import { categoryMatcher } from './categories.js';
import { editDistance } from './resolve.js';
import type { Catalogue, FalModel } from './types.js';

/** How much a match in each field counts. Names and ids say what a model is; descriptions only hint. */
const FIELD_WEIGHTS = { id: 3, name: 3, tags: 2, family: 2, category: 1.5, description: 1 } as const;
type Field = keyof typeof FIELD_WEIGHTS;

const STOPWORDS = new Set(
  (
    'a an and the of for to in on with from by me my i we our is are be it this that using use make create want need ' +
    'model models generate generates generated generating generation best good'
  ).split(' '),
);

/** Words that say which kind of model the query wants; matching models get a boost. */
const INTENTS: Record<string, string[]> = {
  transcribe: ['speech-to-text'],
  transcription: ['speech-to-text'],
  stt: ['speech-to-text'],
  tts: ['text-to-speech'],
  voice: ['text-to-speech'],
  speech: ['text-to-speech', 'speech-to-text'],
  music: ['text-to-audio'],
  song: ['text-to-audio'],
  upscale: ['image-to-image', 'video-to-video'],
  animate: ['image-to-video'],
  '3d': ['image-to-3d', 'text-to-3d'],
};

/** Words agents use for what fal's catalogue calls something else. */
const SYNONYMS: Record<string, string[]> = {
  picture: ['image'],
  photo: ['image', 'photorealistic'],
  photos: ['image'],
  images: ['image'],
  pic: ['image'],
  movie: ['video'],
  clip: ['video'],
  film: ['video'],
  animate: ['video', 'animation'],
  animation: ['video'],
  videos: ['video'],
  music: ['audio', 'song'],
  song: ['music', 'audio'],
  sound: ['audio'],
  sfx: ['sound', 'audio'],
  voice: ['speech', 'tts'],
  tts: ['speech'],
  speak: ['speech'],
  transcribe: ['speech', 'transcription', 'whisper'],
  transcription: ['speech', 'whisper'],
  stt: ['speech', 'transcription'],
  upscaler: ['upscale'],
  upscaling: ['upscale'],
  enhance: ['upscale'],
  mesh: ['3d'],
  rembg: ['background'],
  bg: ['background'],
  cutout: ['background'],
};

function rawTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9.]+/)
    .map((t) => t.replace(/^\.+|\.+$/g, ''))
    .filter((t) => t.length > 0);
}

export function tokenize(text: string): string[] {
  return rawTokens(text).filter((t) => !STOPWORDS.has(t));
}

interface Posting {
  doc: number;
  weight: number;
}

interface SearchIndex {
  docs: readonly FalModel[];
  postings: Map<string, Posting[]>;
  /** Vocabulary bucketed by length, for prefix and typo lookups. */
  byLength: Map<number, string[]>;
  vocabulary: string[];
}

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
  return { docs, postings, byLength, vocabulary };
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

/** Vocabulary tokens a query token stands for, with how good each match is. */
function expand(index: SearchIndex, token: string): Map<string, number> {
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
}

/**
 * Ranked local search: every query word is matched exactly, by prefix, by
 * synonym or with a small typo, weighted by the field it hits; models that
 * match more of the words rank first. Ties break on the shorter, then the
 * alphabetically first id, so results are deterministic.
 */
export function searchCatalogue(catalogue: Catalogue, query: SearchQuery): SearchHit[] {
  const index = indexOf(catalogue);
  // A query made only of common words ("generate") still searches for them.
  const filtered = tokenize(query.text);
  const words = [...new Set(filtered.length > 0 ? filtered : rawTokens(query.text))];
  const intents = new Set(words.flatMap((w) => INTENTS[w] ?? []));
  const inCategory = categoryMatcher(query.category);
  const activeOnly = query.activeOnly ?? true;
  if (words.length === 0) return [];

  const scores = new Map<number, { score: number; matched: Set<string> }>();
  for (const word of words) {
    const perDoc = new Map<number, number>();
    for (const [token, quality] of expand(index, word)) {
      for (const p of index.postings.get(token) ?? []) {
        const s = quality * p.weight;
        if (s > (perDoc.get(p.doc) ?? 0)) perDoc.set(p.doc, s);
      }
    }
    for (const [doc, s] of perDoc) {
      const entry = scores.get(doc);
      if (entry) {
        entry.score += s;
        entry.matched.add(word);
      } else scores.set(doc, { score: s, matched: new Set([word]) });
    }
  }

  const phrase = query.text.trim().toLowerCase();
  const hits: SearchHit[] = [];
  for (const [doc, { score, matched }] of scores) {
    const model = index.docs[doc] as FalModel;
    if (inCategory && !inCategory(model.category)) continue;
    if (activeOnly && model.status === 'deprecated') continue;
    const coverage = matched.size / words.length;
    let total = score * coverage * coverage;
    if (phrase.length > 2 && (model.name.toLowerCase().includes(phrase) || model.id.includes(phrase)))
      total *= 1.5;
    if (intents.has(model.category)) total *= 1.3;
    if (model.highlighted) total *= 1.2;
    hits.push({ model, score: Math.round(total * 1000) / 1000, matched: [...matched] });
  }
  hits.sort(
    (a, b) =>
      b.score - a.score ||
      a.model.id.length - b.model.id.length ||
      (a.model.id < b.model.id ? -1 : a.model.id > b.model.id ? 1 : 0),
  );
  return hits.slice(0, query.limit);
}

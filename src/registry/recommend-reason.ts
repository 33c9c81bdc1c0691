import type { SchemaSummary } from './schema-summary.js';
import type { TaskPhrase } from './search-words.js';
import { tokenize } from './search-words.js';
import type { Catalogue, FalModel } from './types.js';

const CATEGORY_PURPOSE: Record<string, string> = {
  'text-to-image': 'text-to-image generation',
  'image-to-image': 'image transformation',
  'image-to-video': 'image-to-video animation',
  'text-to-video': 'text-to-video generation',
  'video-to-video': 'video transformation',
  'text-to-audio': 'audio generation',
  'speech-to-text': 'speech transcription',
  'text-to-speech': 'speech synthesis',
  'audio-to-audio': 'audio transformation',
  'audio-to-video': 'audio-driven video',
  'video-to-audio': 'soundtracks for video',
  'image-to-3d': 'image-to-3D reconstruction',
  'text-to-3d': 'text-to-3D generation',
  vision: 'image understanding',
  llm: 'text generation',
  training: 'fine-tuning',
};

const MEDIA_WORDS: Record<string, string> = {
  text: 'text',
  image: 'an image',
  video: 'a video',
  audio: 'audio',
  speech: 'speech',
  '3d': 'a 3D model',
};

/** "takes an image, gives a video", from the category when the schema is not at hand. */
function takesGivesOfCategory(category: string): string | undefined {
  if (category === 'vision') return 'takes an image, gives text';
  if (category === 'llm') return 'takes text, gives text';
  if (category === 'training') return 'takes training images, gives LoRA weights';
  const [from, to] = category.split('-to-');
  const takes = from ? MEDIA_WORDS[from] : undefined;
  const gives = to ? MEDIA_WORDS[to] : undefined;
  return takes && gives ? `takes ${takes}, gives ${gives}` : undefined;
}

/** "takes prompt, image_url; gives video", from the model's schema (required inputs, media outputs). */
function takesGivesOfSchema(summary: SchemaSummary): string | undefined {
  const takes = summary.required.length ? summary.required.join(', ') : undefined;
  const gives = summary.output_media.map((m) => `${m.kind}${m.many ? 's' : ''}`);
  if (!takes && gives.length === 0) return undefined;
  return [takes && `takes ${takes}`, gives.length && `gives ${[...new Set(gives)].join(', ')}`]
    .filter(Boolean)
    .join('; ');
}

const families = new WeakMap<Catalogue, Map<string, FalModel[]>>();

/** The active models of a model's family, newest first (by fal's date), built once per catalogue. */
function familyOf(catalogue: Catalogue, model: FalModel): FalModel[] {
  let index = families.get(catalogue);
  if (!index) {
    index = new Map();
    for (const m of catalogue.list) {
      if (!m.groupKey || m.status === 'deprecated') continue;
      const list = index.get(m.groupKey) ?? [];
      list.push(m);
      index.set(m.groupKey, list);
    }
    for (const list of index.values()) list.sort((a, b) => (b.date ?? '').localeCompare(a.date ?? ''));
    families.set(catalogue, index);
  }
  return model.groupKey ? (index.get(model.groupKey) ?? []) : [];
}

function familyReason(catalogue: Catalogue | undefined, model: FalModel): string | undefined {
  if (!model.groupLabel) return undefined;
  const members = catalogue ? familyOf(catalogue, model) : [];
  if (members.length < 2) return `Part of ${model.groupLabel} family`;
  const newest = members[0];
  const dated = members.every((m) => m.date);
  const where = !dated
    ? `${members.length} models`
    : newest?.id === model.id
      ? `${members.length} models; the newest`
      : `${members.length} models; newest: ${newest?.id}`;
  return `Part of ${model.groupLabel} family (${where})`;
}

export interface ReasonContext {
  catalogue?: Catalogue;
  /** Task phrases this model was found for. */
  phrases?: readonly TaskPhrase[];
  /** The model's schema summary, when already cached. */
  summary?: SchemaSummary | undefined;
}

/**
 * Why a model suits a task, for an agent choosing between several: what the
 * task was read as, what the model takes and gives, its family and whether it
 * is the newest there, and the task words it matched (the tool adds the caller's price).
 */
export function recommendationReason(model: FalModel, task: string, context: ReasonContext = {}): string {
  const reasons: string[] = [];
  if (model.highlighted) reasons.push('Featured model by Fal.ai');
  for (const phrase of context.phrases ?? []) reasons.push(`For ${phrase.label}`);
  const purpose = CATEGORY_PURPOSE[model.category];
  const io = (context.summary && takesGivesOfSchema(context.summary)) ?? takesGivesOfCategory(model.category);
  if (purpose || io)
    reasons.push([purpose && `Supports ${purpose}`, io && `(${io})`].filter(Boolean).join(' '));
  const family = familyReason(context.catalogue, model);
  if (family) reasons.push(family);
  // Singular and plural count as the same word ("photo" matches "photos").
  const stem = (w: string) => (w.length > 3 ? w.replace(/s$/, '') : w);
  const haystack = new Set(
    tokenize(`${model.id} ${model.name} ${model.description} ${model.tags.join(' ')} ${model.category}`).map(
      stem,
    ),
  );
  const matched = tokenize(task).filter((w) => haystack.has(stem(w)));
  if (matched.length > 0) reasons.push(`Matches "${[...new Set(matched)].join('", "')}"`);
  if (reasons.length === 0) reasons.push(`Matches search for '${task}'`);
  return reasons.join('; ');
}

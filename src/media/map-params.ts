import { isObject, type JsonObject } from '../lib/is-object.js';

/**
 * Friendly task parameters → one model's real input schema. Models name the same
 * idea differently (`image_url` vs `image_urls`, `duration` as "5" vs 5 vs
 * `music_length_ms`); each friendly key lists where it may go and how to convert.
 * Anything the model cannot take is dropped with a note, never sent blind.
 */

type Convert = (value: unknown, prop: JsonObject) => unknown;

interface Route {
  /** Candidate input names, dotted for nested objects (`voice_setting.voice_id`). */
  to: string[];
  convert?: Convert;
}

function ratioOf(value: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)$/.exec(String(value));
  if (!m?.[1] || !m[2]) return undefined;
  return Number(m[1]) / Number(m[2]);
}

const PRESET_RATIOS: Record<string, number> = {
  square_hd: 1,
  square: 1,
  portrait_4_3: 3 / 4,
  portrait_16_9: 9 / 16,
  landscape_4_3: 4 / 3,
  landscape_16_9: 16 / 9,
};

function numberIn(text: unknown): number | undefined {
  const m = /(\d+(?:\.\d+)?)/.exec(String(text));
  return m?.[1] ? Number(m[1]) : undefined;
}

function enumValues(prop: JsonObject): unknown[] | undefined {
  if (Array.isArray(prop.enum)) return prop.enum;
  const variants = Array.isArray(prop.anyOf) ? prop.anyOf.filter(isObject) : [];
  return variants.find((v) => Array.isArray(v.enum))?.enum as unknown[] | undefined;
}

/** Pick the enum member closest to a value: exact, case-insensitive, then nearest number. */
function nearestEnum(
  value: unknown,
  options: unknown[],
  toNumber: (x: unknown) => number | undefined = numberIn,
): unknown {
  const exact = options.find((o) => o === value || String(o).toLowerCase() === String(value).toLowerCase());
  if (exact !== undefined) return exact;
  const target = toNumber(value);
  if (target === undefined) return undefined;
  let best: unknown;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const o of options) {
    const n = toNumber(o);
    if (n === undefined) continue;
    const d = Math.abs(Math.log(n / target));
    if (d < bestDistance) {
      best = o;
      bestDistance = d;
    }
  }
  return best;
}

/** The generic conversion: wrap in an array, match an enum, coerce number/string, clamp to a range. */
export const fitToSchema: Convert = (value, prop) => {
  if (prop.type === 'array' && !Array.isArray(value)) return [value];
  const options = enumValues(prop);
  if (options) return nearestEnum(value, options);
  if ((prop.type === 'number' || prop.type === 'integer') && typeof value !== 'number') {
    const n = numberIn(value);
    return n === undefined ? undefined : n;
  }
  if (prop.type === 'string' && typeof value === 'number') return String(value);
  if (typeof value === 'number') {
    let v = prop.type === 'integer' ? Math.round(value) : value;
    if (typeof prop.minimum === 'number') v = Math.max(prop.minimum, v);
    if (typeof prop.maximum === 'number') v = Math.min(prop.maximum, v);
    return v;
  }
  return value;
};

const aspectTo: Convert = (value, prop) => {
  const options = enumValues(prop);
  const target = ratioOf(value);
  if (options && target !== undefined) {
    // aspect_ratio enums ("16:9") or image_size presets ("landscape_16_9").
    return nearestEnum(value, options, (o) => ratioOf(o) ?? PRESET_RATIOS[String(o)]);
  }
  return options ? undefined : value;
};

const sizeTo: Convert = (value, prop) => {
  if (!isObject(value)) return fitToSchema(value, prop);
  const variants = Array.isArray(prop.anyOf) ? prop.anyOf.filter(isObject) : [prop];
  return variants.some((v) => v.type === 'object' || isObject(v.properties)) ? value : undefined;
};

const secondsTo =
  (factor: number): Convert =>
  (value, prop) =>
    fitToSchema(typeof value === 'number' ? value * factor : value, prop);

const ROUTES: Record<string, Route> = {
  prompt: { to: ['prompt', 'text', 'instruction'] },
  negative_prompt: { to: ['negative_prompt'] },
  image_url: { to: ['image_url', 'image_urls', 'input_image_url', 'reference_image_url'] },
  image_urls: { to: ['image_urls', 'reference_image_urls'] },
  mask_url: { to: ['mask_url', 'mask_image_url'] },
  video_url: { to: ['video_url', 'input_video_url'] },
  audio_url: { to: ['audio_url', 'input_audio_url', 'audio_file_url'] },
  num_images: { to: ['num_images', 'num_outputs'] },
  seed: { to: ['seed'] },
  output_format: { to: ['output_format'], convert: (v, p) => fitToSchema(v === 'jpg' ? 'jpeg' : v, p) },
  enable_safety_checker: { to: ['enable_safety_checker'] },
  aspect_ratio: { to: ['aspect_ratio', 'image_size'], convert: aspectTo },
  image_size: { to: ['image_size'], convert: sizeTo },
  duration: {
    to: ['duration', 'duration_seconds', 'seconds_total', 'num_seconds', 'music_length_ms'],
  },
  resolution: { to: ['resolution'] },
  lyrics: { to: ['lyrics', 'lyrics_prompt'] },
  voice: { to: ['voice', 'voice_id', 'voice_setting.voice_id'] },
  language: { to: ['language', 'language_code'] },
  upscale_factor: { to: ['upscale_factor', 'scale', 'upscaling_factor'] },
  task: { to: ['task'] },
  chunk_level: { to: ['chunk_level'] },
  diarize: { to: ['diarize'] },
};

/** Per-target conversions that depend on the target's unit. */
const TARGET_CONVERT: Record<string, Convert> = {
  music_length_ms: secondsTo(1000),
};

function propAt(schema: JsonObject, path: string): JsonObject | undefined {
  let node: unknown = schema;
  for (const part of path.split('.')) {
    const props = isObject(node) && isObject(node.properties) ? node.properties : undefined;
    node = props?.[part];
  }
  return isObject(node) ? node : undefined;
}

function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = value;
}

export interface MappedInput {
  input: Record<string, unknown>;
  notes: string[];
}

/**
 * `given` are the caller's values (dropped ones are noted); `defaults` are the
 * tool's own (dropped silently when the model has no such input).
 */
export function mapParams(
  model: string,
  schema: JsonObject,
  given: Record<string, unknown>,
  defaults: Record<string, unknown> = {},
): MappedInput {
  const input: Record<string, unknown> = {};
  const notes: string[] = [];
  const apply = (key: string, value: unknown, fromCaller: boolean) => {
    if (value === undefined) return;
    const route = ROUTES[key] ?? { to: [key] };
    for (const name of route.to) {
      const prop = propAt(schema, name);
      if (!prop) continue;
      const convert = TARGET_CONVERT[name] ?? route.convert ?? fitToSchema;
      const converted = convert(value, prop);
      if (converted === undefined) continue;
      setAt(input, name, converted);
      if (fromCaller && JSON.stringify(converted) !== JSON.stringify(value) && !Array.isArray(converted)) {
        notes.push(
          `${key} ${JSON.stringify(value)} was sent to ${model} as ${name}=${JSON.stringify(converted)}.`,
        );
      }
      return;
    }
    if (fromCaller) notes.push(`${model} has no input for ${key}; it was left out.`);
  };
  for (const [key, value] of Object.entries(defaults)) if (!(key in given)) apply(key, value, false);
  for (const [key, value] of Object.entries(given)) apply(key, value, true);
  return { input, notes };
}

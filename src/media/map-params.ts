import { DURATION_INPUTS, ratioOf } from '../lib/frames.js';
import { isObject, type JsonObject } from '../lib/is-object.js';
import { allowedOf, enumValues, fitToSchema, nearestEnum, propAt, setAt } from '../lib/schema-values.js';

/**
 * Friendly media parameters → one model's real input schema. Models name the same
 * idea differently (`image_url` vs `image_urls`, `duration` as "5" vs 5 vs
 * `music_length_ms`); each friendly key lists where it may go and how to convert.
 * What the model cannot take as asked (no such input, only a nearest value) is
 * reported as unmet, never sent blind: the run planner refuses or says so.
 */

type Convert = (value: unknown, prop: JsonObject) => unknown;

interface Route {
  /** Candidate input names, dotted for nested objects (`voice_setting.voice_id`). */
  to: string[];
  convert?: Convert;
}

const aspectTo: Convert = (value, prop) => {
  const options = enumValues(prop);
  const target = ratioOf(value);
  if (options && target !== undefined) {
    // aspect_ratio enums ("16:9") or image_size presets ("landscape_16_9").
    return nearestEnum(value, options, ratioOf);
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
  duration: { to: DURATION_INPUTS },
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

/** A value the caller set that this model cannot take as asked. */
export interface Unmet {
  /** The friendly key (`duration`, `voice`, …) and the caller's value. */
  key: string;
  value: unknown;
  /** `absent`: no input for it; `value`: the input exists but not this value; `nearest`: only a nearest value. */
  kind: 'absent' | 'value' | 'nearest';
  /** Where it went and as what (`nearest`), or what the input allows (`value`, `nearest`). */
  sentAs?: { name: string; value: unknown };
  allowed?: string;
}

export interface MappedInput {
  input: Record<string, unknown>;
  /** Conversions that keep the caller's meaning (5 → "5", seconds → ms), said once. */
  notes: string[];
  unmet: Unmet[];
}

/** Whether a converted value means what the caller asked (a change of form, not of value). */
function sameMeaning(value: unknown, converted: unknown, target: string): boolean {
  if (JSON.stringify(converted) === JSON.stringify(value)) return true;
  if (Array.isArray(converted)) return converted.length === 1 && sameMeaning(value, converted[0], target);
  if (typeof value === 'string' && typeof converted === 'string') {
    if (value.toLowerCase() === converted.toLowerCase() || (value === 'jpg' && converted === 'jpeg'))
      return true;
    const asked = ratioOf(value);
    const got = ratioOf(converted);
    return asked !== undefined && got !== undefined && Math.abs(asked / got - 1) < 0.01;
  }
  if (typeof value === 'number') {
    const factor = target === 'music_length_ms' ? 1000 : 1;
    const n = typeof converted === 'number' ? converted : Number(converted);
    return Number.isFinite(n) && Math.abs(n - value * factor) < 1e-9 * Math.max(1, Math.abs(n));
  }
  return false;
}

/**
 * `given` are the caller's values: a change of form is noted, anything not taken
 * as asked is `unmet` (sent as the nearest value, or not at all). `defaults` are
 * the tool's own (dropped silently when the model has no such input).
 */
export function mapParams(
  model: string,
  schema: JsonObject,
  given: Record<string, unknown>,
  defaults: Record<string, unknown> = {},
): MappedInput {
  const input: Record<string, unknown> = {};
  const notes: string[] = [];
  const unmet: Unmet[] = [];
  const apply = (key: string, value: unknown, fromCaller: boolean) => {
    if (value === undefined) return;
    const route = ROUTES[key] ?? { to: [key] };
    let refusedBy: { name: string; prop: JsonObject } | undefined;
    for (const name of route.to) {
      const prop = propAt(schema, name);
      if (!prop) continue;
      const convert = TARGET_CONVERT[name] ?? route.convert ?? fitToSchema;
      const converted = convert(value, prop);
      if (converted === undefined) {
        refusedBy ??= { name, prop };
        continue;
      }
      setAt(input, name, converted);
      if (!fromCaller || JSON.stringify(converted) === JSON.stringify(value)) return;
      if (sameMeaning(value, converted, name)) {
        if (!Array.isArray(converted)) {
          notes.push(
            `${key} ${JSON.stringify(value)} was sent to ${model} as ${name}=${JSON.stringify(converted)}.`,
          );
        }
        return;
      }
      const allowed = allowedOf(prop);
      unmet.push({
        key,
        value,
        kind: 'nearest',
        sentAs: { name, value: converted },
        ...(allowed ? { allowed } : {}),
      });
      return;
    }
    if (!fromCaller) return;
    const allowed = refusedBy ? allowedOf(refusedBy.prop) : undefined;
    unmet.push({
      key,
      value,
      kind: refusedBy ? 'value' : 'absent',
      ...(refusedBy ? { sentAs: { name: refusedBy.name, value: undefined } } : {}),
      ...(allowed ? { allowed } : {}),
    });
  };
  for (const [key, value] of Object.entries(defaults)) if (!(key in given)) apply(key, value, false);
  for (const [key, value] of Object.entries(given)) apply(key, value, true);
  fillRequired(model, schema, given, { input, notes, unmet });
  return { input, notes, unmet };
}

/** Required inputs a tool can fill from what the caller gave: a music model's `tags` from the prompt. */
const FILL_FROM: Record<string, string> = {
  tags: 'prompt',
  genres: 'prompt',
  style: 'prompt',
  caption: 'prompt',
};

function fillRequired(
  model: string,
  schema: JsonObject,
  given: Record<string, unknown>,
  mapped: MappedInput,
) {
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  for (const name of required) {
    const from = FILL_FROM[name];
    const value = from ? given[from] : undefined;
    if (mapped.input[name] !== undefined || typeof value !== 'string') continue;
    if (propAt(schema, name)?.type !== 'string') continue;
    mapped.input[name] = value;
    mapped.notes.push(`${model} requires ${name}: it was filled from your ${from}.`);
    const i = mapped.unmet.findIndex((u) => u.key === from && u.kind === 'absent');
    if (i >= 0) mapped.unmet.splice(i, 1);
  }
}

/** Required inputs the mapped input still lacks: the tool has nothing to fill them with. */
export function missingRequired(schema: JsonObject, input: Record<string, unknown>): string[] {
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  return required.filter((name) => input[name] === undefined && !('default' in (propAt(schema, name) ?? {})));
}

import type { JsonSchema } from './catalogue.js';

const MEDIA_TYPES: Record<string, { ext: string; type: string }> = {
  image: { ext: 'png', type: 'image/png' },
  video: { ext: 'mp4', type: 'video/mp4' },
  audio: { ext: 'mp3', type: 'audio/mpeg' },
  mesh: { ext: 'glb', type: 'model/gltf-binary' },
  file: { ext: 'bin', type: 'application/octet-stream' },
};

function mediaKind(name: string, title: string | undefined): string {
  const hay = `${name} ${title ?? ''}`.toLowerCase();
  if (/video/.test(hay)) return 'video';
  if (/audio|speech|music|voice|sound/.test(hay)) return 'audio';
  if (/mesh|glb|3d|model_/.test(hay)) return 'mesh';
  if (/image|mask|frame|img/.test(hay)) return 'image';
  return 'file';
}

const PRESETS: Record<string, [number, number]> = {
  square_hd: [1024, 1024],
  square: [512, 512],
  portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024],
  landscape_4_3: [1024, 768],
  landscape_16_9: [1024, 576],
};

/** The frame a model makes for an input: its exact size, preset or aspect ratio (default 4:3, fal's default preset). */
export function frameOf(input: Record<string, unknown>): [number, number] {
  const size = input.image_size;
  if (typeof size === 'object' && size !== null) {
    const { width, height } = size as { width?: unknown; height?: unknown };
    if (typeof width === 'number' && typeof height === 'number') return [width, height];
  }
  if (typeof size === 'string' && PRESETS[size]) return PRESETS[size];
  const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(String(input.aspect_ratio ?? ''));
  if (m) {
    const ratio = Number(m[1]) / Number(m[2]);
    return ratio >= 1 ? [1024, Math.round(1024 / ratio)] : [Math.round(1024 * ratio), 1024];
  }
  return [1024, 768];
}

/** The seconds of media a model makes for an input, from whichever duration field it takes. */
export function secondsOf(input: Record<string, unknown>): number | undefined {
  const ms = Number(input.music_length_ms);
  if (Number.isFinite(ms) && ms > 0) return ms / 1000;
  for (const key of ['duration', 'duration_seconds', 'seconds_total', 'num_seconds']) {
    const n = Number.parseFloat(String(input[key] ?? ''));
    if (Number.isFinite(n) && n > 0) return n;
  }
  return undefined;
}

/**
 * A plausible output for a schema: every required field and every media field
 * filled, file URLs pointing at the emulator's CDN.
 */
export function sampleOutput(
  schema: JsonSchema,
  ctx: { cdn: string; requestId: string; input: Record<string, unknown> },
): unknown {
  let n = 0;
  const walk = (s: JsonSchema | undefined, name: string, depth: number): unknown => {
    if (!s || depth > 6) return null;
    if (s.anyOf?.[0]) return walk(s.anyOf.find((x) => x.type !== 'null') ?? s.anyOf[0], name, depth + 1);
    if (s.enum?.length) return s.enum[0];
    if (s.default !== undefined) return s.default;
    const props = s.properties ?? {};
    if (s.type === 'object' || s.properties) {
      if ('url' in props) {
        const kind = mediaKind(name, s.title);
        const media = MEDIA_TYPES[kind] ?? { ext: 'bin', type: 'application/octet-stream' };
        n++;
        const file = `${name || 'output'}-${n}.${media.ext}`;
        const [width, height] = frameOf(ctx.input);
        const seconds = secondsOf(ctx.input) ?? (kind === 'video' ? 5 : 10);
        return {
          url: `${ctx.cdn}/${ctx.requestId}/${file}`,
          content_type: media.type,
          file_name: file,
          // file_size: the bytes the CDN serves, filled in when the result is first sent (sizedResultOfJob).
          // What fal's File objects state when the schema has them: the frame made, the length made.
          ...('width' in props ? { width, height } : {}),
          ...('duration' in props ? { duration: seconds } : {}),
        };
      }
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(props)) {
        const required = s.required?.includes(key);
        const isFile = (x: JsonSchema | undefined) =>
          x?.properties?.url !== undefined ||
          (x?.type === 'string' && (x.format === 'uri' || x['x-fal-file-input'] === true));
        const isMedia = isFile(child) || isFile(child.items);
        if (!required && !isMedia && !['text', 'seed', 'prompt'].includes(key)) continue;
        if (key === 'prompt' && typeof ctx.input.prompt === 'string') out[key] = ctx.input.prompt;
        else if (key === 'seed') out[key] = typeof ctx.input.seed === 'number' ? ctx.input.seed : 42;
        else if (key === 'text') out[key] = 'The quick brown fox jumps over the lazy dog.';
        else out[key] = walk(child, key, depth + 1);
      }
      return out;
    }
    if (s.type === 'string' && (s.format === 'uri' || s['x-fal-file-input'] === true)) {
      // Schemas read off type declarations flatten File to a URI string; fal sends the File object.
      return walk(
        { type: 'object', ...(s.title ? { title: s.title } : {}), properties: { url: { type: 'string' } } },
        name,
        depth + 1,
      );
    }
    switch (s.type) {
      case 'array': {
        const count =
          typeof ctx.input.num_images === 'number' && /image/.test(name) ? ctx.input.num_images : 1;
        return Array.from({ length: count }, () => walk(s.items, name.replace(/s$/, ''), depth + 1));
      }
      case 'string':
        return `${name} value`;
      case 'number':
      case 'integer':
        return 1;
      case 'boolean':
        return false;
      default:
        return name === 'timings' ? { inference: 0.42 } : null;
    }
  };
  return walk(schema, '', 0);
}

/** The fal-style 422 details for an input that misses required fields or has wrong types. */
export function validateInput(
  schema: JsonSchema,
  input: unknown,
): { loc: string[]; msg: string; type: string }[] {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return [{ loc: ['body'], msg: 'value is not a valid dict', type: 'type_error.dict' }];
  }
  const body = input as Record<string, unknown>;
  const issues: { loc: string[]; msg: string; type: string }[] = [];
  for (const key of schema.required ?? []) {
    if (body[key] === undefined)
      issues.push({ loc: ['body', key], msg: 'field required', type: 'value_error.missing' });
  }
  for (const [key, value] of Object.entries(body)) {
    const prop = schema.properties?.[key];
    if (!prop || value === undefined) continue;
    if (prop.enum && !prop.enum.includes(value)) {
      issues.push({
        loc: ['body', key],
        msg: `value is not a valid enumeration member; permitted: ${prop.enum.map((e) => `'${String(e)}'`).join(', ')}`,
        type: 'type_error.enum',
      });
    } else if (prop.type === 'string' && typeof value !== 'string') {
      issues.push({ loc: ['body', key], msg: 'str type expected', type: 'type_error.str' });
    } else if ((prop.type === 'number' || prop.type === 'integer') && typeof value !== 'number') {
      issues.push({ loc: ['body', key], msg: 'value is not a valid number', type: 'type_error.number' });
    } else if (prop.type === 'boolean' && typeof value !== 'boolean') {
      issues.push({
        loc: ['body', key],
        msg: 'value could not be parsed to a boolean',
        type: 'type_error.bool',
      });
    }
  }
  return issues;
}

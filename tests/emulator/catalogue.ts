import { readFileSync } from 'node:fs';

/** One endpoint of the emulator's catalogue: fal's metadata plus its schemas. */
export interface EmulatedModel {
  endpoint_id: string;
  metadata: Record<string, unknown> & { display_name: string; category: string; status: string };
  input_schema: JsonSchema;
  output_schema: JsonSchema;
}

export type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  default?: unknown;
  title?: string;
  description?: string;
  [key: string]: unknown;
};

interface DataFile {
  models: {
    endpoint_id: string;
    metadata: { display_name: string; category: string; status: string };
    input_schema: JsonSchema;
    output_schema: JsonSchema;
  }[];
}

const CATEGORY_PHRASES: Record<string, string> = {
  'text-to-image': 'Generate images from text prompts',
  'image-to-image': 'Edit, restyle or transform an input image',
  'text-to-video': 'Generate video clips from text prompts',
  'image-to-video': 'Animate a still image into a video',
  'video-to-video': 'Restyle, edit or transform an input video',
  'text-to-audio': 'Generate music or sound from text',
  'text-to-speech': 'Turn text into natural-sounding speech',
  'speech-to-text': 'Transcribe spoken audio into text',
  'audio-to-audio': 'Transform or clean up audio',
  'audio-to-video': 'Drive a video from an audio track',
  'video-to-audio': 'Generate a soundtrack for a video',
  'image-to-3d': 'Reconstruct a 3D model from an image',
  'text-to-3d': 'Generate a 3D model from text',
  training: 'Fine-tune a model on your own data',
  vision: 'Understand and describe images',
  llm: 'Language model',
  other: 'Utility model',
};

/** Hand-written metadata for well-known models, as fal's catalogue pages describe them. */
const KNOWN: Record<string, Record<string, unknown>> = {
  'fal-ai/flux/dev': {
    description:
      'FLUX.1 [dev], a 12 billion parameter flow transformer that generates high-quality images from text.',
    tags: ['flux', 'text-to-image', 'high-quality'],
    group: { key: 'flux-1', label: 'FLUX.1' },
  },
  'fal-ai/flux/schnell': {
    description: 'FLUX.1 [schnell], the fastest FLUX model: high-quality images in 1 to 4 steps.',
    tags: ['flux', 'fast', 'turbo'],
    group: { key: 'flux-1', label: 'FLUX.1' },
  },
  'fal-ai/flux-pro/v1.1': {
    description:
      'FLUX1.1 [pro], professional-grade text-to-image with excellent prompt adherence and detail.',
    tags: ['flux', 'pro', 'photorealistic'],
    group: { key: 'flux-pro', label: 'FLUX Pro' },
  },
  'fal-ai/fast-sdxl': {
    description: 'Stable Diffusion XL, fast: general purpose text-to-image generation.',
    tags: ['sdxl', 'stable-diffusion', 'fast'],
  },
  'fal-ai/whisper': {
    description: 'Whisper speech recognition: transcribe and translate audio with timestamps.',
    tags: ['transcription', 'speech', 'audio'],
  },
  'fal-ai/lyria2': {
    description: 'Lyria 2 by Google: generate high-fidelity music from a text prompt.',
    tags: ['music', 'audio'],
  },
  'fal-ai/ace-step': {
    description: 'ACE-Step: generate music with lyrics from a set of genre tags.',
    tags: ['music', 'lyrics', 'song'],
  },
  'fal-ai/kling-video/v2.1/master/text-to-video': {
    description: 'Kling 2.1 Master: cinematic text-to-video with fluid motion.',
    tags: ['kling', 'video', 'cinematic'],
    group: { key: 'kling-video', label: 'Kling Video' },
  },
};

/** Where the data file's schemas lack what fal's pages state (ranges), as fal documents them. */
const SCHEMA_FIXES: Record<string, Record<string, JsonSchema>> = {
  'fal-ai/ace-step': { duration: { type: 'number', default: 60, minimum: 5, maximum: 240 } },
  'fal-ai/ace-step/prompt-to-audio': { duration: { type: 'number', default: 60, minimum: 5, maximum: 240 } },
};

function fixed(id: string, schema: JsonSchema): JsonSchema {
  const fixes = SCHEMA_FIXES[id];
  if (!fixes) return schema;
  const properties = { ...schema.properties };
  for (const [name, prop] of Object.entries(fixes)) properties[name] = { ...properties[name], ...prop };
  return { ...schema, properties };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Load the catalogue and fill in the metadata fields the data file lacks, deterministically. */
export function loadCatalogue(): EmulatedModel[] {
  const file = JSON.parse(
    readFileSync(new URL('./data/fal-endpoints.json', import.meta.url), 'utf8'),
  ) as DataFile;
  return file.models.map((m) => {
    const id = m.endpoint_id;
    const h = hash(id);
    const parts = id.split('/');
    const family = parts[1] ?? id;
    const day = new Date(Date.UTC(2024, 0, 1) + (h % 700) * 86_400_000).toISOString();
    const known = KNOWN[id] ?? {};
    return {
      endpoint_id: id,
      metadata: {
        display_name: m.metadata.display_name,
        category: m.metadata.category,
        description: `${m.metadata.display_name}: ${CATEGORY_PHRASES[m.metadata.category] ?? 'Generative model'}.`,
        status: m.metadata.status,
        tags: [family, m.metadata.category],
        updated_at: day,
        date: day,
        is_favorited: null,
        thumbnail_url: `https://fal.media/files/thumbs/${h.toString(16)}.jpg`,
        model_url: `https://fal.run/${id}`,
        highlighted: false,
        pinned: false,
        group: { key: family, label: family.replace(/[-_]/g, ' ') },
        ...known,
      },
      input_schema: fixed(id, m.input_schema),
      output_schema: m.output_schema,
    };
  });
}

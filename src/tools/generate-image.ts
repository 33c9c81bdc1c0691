import * as v from 'valibot';
import { UserError } from '../errors.js';
import { serverChecked } from '../lib/schema-marks.js';
import type { MediaMode } from '../runs/plan-media.js';
import { defineRunTool } from './define-run-tool.js';
import { JobParams } from './job-params.js';
import { MediaParams, MediaRunFields, PROMPT_MAX } from './media-params.js';

const FROM_TEXT: MediaMode = {
  label: 'text-to-image generation',
  makes: 'image',
  categories: ['text-to-image'],
  defaultModel: 'fal-ai/flux/dev',
  keywords: 'text to image high quality',
};
const FROM_IMAGE: MediaMode = {
  label: 'image-to-image generation',
  makes: 'image',
  categories: ['image-to-image'],
  defaultModel: 'fal-ai/flux/dev/image-to-image',
  keywords: 'image to image restyle transform',
  needs: ['prompt', 'image_url'],
};

const STRUCTURE = ['subject', 'style', 'composition', 'lighting', 'colour', 'camera'] as const;

/** A prompt from free text plus optional structured fields, in a stable order. */
export function assemblePrompt(
  args: Partial<Record<(typeof STRUCTURE)[number] | 'prompt', string | undefined>>,
): string {
  const labels = {
    subject: 'Subject',
    style: 'Style',
    composition: 'Composition',
    lighting: 'Lighting',
    colour: 'Colour palette',
    camera: 'Camera',
  };
  const parts = [args.prompt?.trim()].filter(Boolean) as string[];
  for (const key of STRUCTURE) {
    const value = args[key]?.trim();
    if (value) parts.push(`${labels[key]}: ${value}`);
  }
  return parts.join('. ');
}

// The tool's description names the structured fields; only those that need an example carry one.
const field = (d?: string) =>
  v.optional(
    d
      ? v.pipe(v.string(), v.trim(), v.maxLength(PROMPT_MAX), v.description(d), serverChecked())
      : v.pipe(v.string(), v.trim(), v.maxLength(PROMPT_MAX), serverChecked()),
  );

export const generateImageTool = defineRunTool({
  name: 'generate_image',
  title: 'Generate an image',
  description:
    'Make images from a prompt (default FLUX.1 [dev]) or transform an image_url; subject, style, composition, lighting, colour, camera join the prompt. edit_image for targeted edits, run_model for other options. Returns links and previews.',
  input: v.object({
    prompt: field('What to generate.'),
    subject: field('Who or what is shown.'),
    style: field('e.g. "watercolour", "35mm photo".'),
    composition: field('Framing, layout.'),
    lighting: field('e.g. "golden hour".'),
    colour: field('Palette.'),
    camera: field('Lens, angle, depth of field.'),
    image_url: MediaParams.image_url('A source image to transform.'),
    strength: v.optional(
      v.pipe(
        v.number(),
        v.minValue(0),
        v.maxValue(1),
        v.description('With image_url: how far to move from the source (0-1).'),
      ),
    ),
    aspect_ratio: MediaParams.aspect_ratio,
    width: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(64), v.maxValue(4096), v.description('Pixels.')),
    ),
    height: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(64), v.maxValue(4096), v.description('Pixels.')),
    ),
    num_images: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(4), v.description('1-4.')),
    ),
    seed: MediaParams.seed,
    negative_prompt: MediaParams.negative_prompt,
    output_format: v.optional(v.pipe(v.picklist(['jpeg', 'png', 'webp']), v.description('File type.'))),
    enable_safety_checker: v.optional(v.pipe(v.boolean(), v.description('Filter unsafe images.')), true),
    ...MediaRunFields,
    preview: JobParams.preview,
  }),
  synonyms: {
    color: 'colour',
    n: 'num_images',
    number_of_images: 'num_images',
    negative: 'negative_prompt',
    image: 'image_url',
  },
  build(args) {
    const prompt = assemblePrompt(args);
    if (!prompt) throw new UserError('Give a prompt (or at least a subject) describing the image.');
    if ((args.width === undefined) !== (args.height === undefined))
      throw new UserError('Give both width and height, or neither.');
    const aspect =
      args.aspect_ratio ?? (args.width && args.height ? `${args.width}:${args.height}` : undefined);
    return {
      mode: args.image_url ? FROM_IMAGE : FROM_TEXT,
      given: {
        prompt,
        image_url: args.image_url,
        strength: args.strength,
        aspect_ratio: args.aspect_ratio,
        image_size: args.width && args.height ? { width: args.width, height: args.height } : undefined,
        num_images: args.num_images,
        seed: args.seed,
        negative_prompt: args.negative_prompt,
        output_format: args.output_format,
      },
      // Exact dimensions win where the model takes them; their shape goes where only a ratio is taken.
      defaults: {
        enable_safety_checker: args.enable_safety_checker,
        ...(aspect ? { aspect_ratio: aspect } : {}),
      },
    };
  },
});

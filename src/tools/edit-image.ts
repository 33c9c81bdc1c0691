import * as v from 'valibot';
import { UserError } from '../errors.js';
import { serverChecked } from '../lib/schema-marks.js';
import type { MediaMode } from '../runs/plan-media.js';
import { defineRunTool } from './define-run-tool.js';
import { JobParams } from './job-params.js';
import { MediaParams, MediaRunFieldsTerse, PROMPT_MAX, tersely } from './media-params.js';

const I2I = ['image-to-image'] as const;
const MODES: Record<string, MediaMode> = {
  edit: {
    label: 'instruction-based image editing',
    makes: 'image',
    categories: I2I,
    defaultModel: 'fal-ai/flux-pro/kontext',
    keywords: 'edit image instruction kontext',
    needs: ['image_url', 'prompt'],
  },
  inpaint: {
    label: 'inpainting',
    makes: 'image',
    categories: I2I,
    defaultModel: 'fal-ai/flux-pro/v1/fill',
    keywords: 'inpainting fill mask',
    needs: ['image_url', 'mask_url', 'prompt'],
  },
  remove_background: {
    label: 'background removal',
    makes: 'image',
    categories: I2I,
    defaultModel: 'fal-ai/bria/background/remove',
    keywords: 'remove background',
    needs: ['image_url'],
  },
  upscale: {
    label: 'image upscaling',
    makes: 'image',
    categories: I2I,
    defaultModel: 'fal-ai/clarity-upscaler',
    keywords: 'upscale image',
    needs: ['image_url'],
  },
  outpaint: {
    label: 'outpainting / reframing',
    makes: 'image',
    categories: I2I,
    defaultModel: 'fal-ai/image-editing/reframe',
    keywords: 'reframe outpaint expand',
    needs: ['image_url', 'aspect_ratio'],
  },
  compose: {
    label: 'multi-image composition',
    makes: 'image',
    categories: I2I,
    defaultModel: 'fal-ai/flux-pro/kontext/multi',
    keywords: 'multi image edit compose',
    needs: ['image_urls', 'prompt'],
  },
};

/** Named social formats → aspect ratios. */
export const SOCIAL_FORMATS: Record<string, string> = {
  square_post: '1:1',
  portrait_post: '4:5',
  landscape_post: '16:9',
  story: '9:16',
  reel: '9:16',
  tiktok: '9:16',
  youtube_thumbnail: '16:9',
  youtube_video: '16:9',
  pinterest_pin: '2:3',
  twitter_header: '3:1',
  linkedin_banner: '4:1',
  ultrawide: '21:9',
};

const POSITIONS = [
  'top-left',
  'top',
  'top-right',
  'left',
  'center',
  'right',
  'bottom-left',
  'bottom',
  'bottom-right',
] as const;

export const editImageTool = defineRunTool({
  name: 'edit_image',
  title: 'Edit an image (upscale, background, inpaint)',
  description:
    'Edit an image (image_url) by operation: "edit" by prompt, "inpaint" the white area of mask_url, "remove_background", "upscale" (scale 2 or 4), "outpaint" to aspect_ratio or a social format, "compose" (place overlay_url, e.g. a logo; generative, not pixel-exact). run_model for other models.',
  input: v.object({
    operation: v.pipe(
      v.picklist(['edit', 'inpaint', 'remove_background', 'upscale', 'outpaint', 'compose']),
      v.description('What to do.'),
    ),
    image_url: v.pipe(MediaParams.urlOf('image_url'), v.description('The image to edit.')),
    prompt: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.maxLength(PROMPT_MAX),
        v.description('edit/inpaint: what to change; others: optional guidance.'),
        serverChecked(),
      ),
    ),
    mask_url: v.optional(
      v.pipe(MediaParams.urlOf('mask_url'), v.description('inpaint: white where to repaint.')),
    ),
    scale: v.optional(v.pipe(v.picklist([2, 4]), v.description('upscale: factor.'))),
    aspect_ratio: MediaParams.aspect_ratio,
    format: v.optional(
      v.pipe(
        v.picklist(Object.keys(SOCIAL_FORMATS) as [string, ...string[]]),
        v.description('outpaint: target.'),
      ),
    ),
    overlay_url: v.optional(
      v.pipe(MediaParams.urlOf('overlay_url'), v.description('compose: the logo or image to place.')),
    ),
    position: v.optional(v.pipe(v.picklist(POSITIONS), v.description('compose: where.')), 'bottom-right'),
    overlay_scale: v.optional(
      v.pipe(
        v.number(),
        v.minValue(1),
        v.maxValue(100),
        v.description('compose: overlay width as % of the image.'),
      ),
      15,
    ),
    seed: tersely(MediaParams.seed),
    ...MediaRunFieldsTerse,
    preview: JobParams.preview,
  }),
  synonyms: { image: 'image_url', mask: 'mask_url', overlay: 'overlay_url', instruction: 'prompt' },
  build(args) {
    const mode = MODES[args.operation] as MediaMode;
    const given: Record<string, unknown> = { image_url: args.image_url, seed: args.seed };
    switch (args.operation) {
      case 'edit':
        if (!args.prompt) throw new UserError('edit needs a prompt saying what to change.');
        given.prompt = args.prompt;
        break;
      case 'inpaint':
        if (!args.mask_url || !args.prompt)
          throw new UserError('inpaint needs mask_url (white = repaint) and a prompt.');
        Object.assign(given, { mask_url: args.mask_url, prompt: args.prompt });
        break;
      case 'remove_background':
        break;
      case 'upscale':
        Object.assign(given, { upscale_factor: args.scale, prompt: args.prompt });
        break;
      case 'outpaint': {
        const aspect = args.aspect_ratio ?? (args.format ? SOCIAL_FORMATS[args.format] : undefined);
        if (!aspect) throw new UserError('outpaint needs aspect_ratio (e.g. 16:9) or a format (e.g. story).');
        Object.assign(given, { aspect_ratio: aspect, prompt: args.prompt });
        break;
      }
      case 'compose': {
        if (!args.overlay_url) throw new UserError('compose needs overlay_url: the logo or image to place.');
        const where = args.position.replace('-', ' ');
        given.image_url = undefined;
        given.image_urls = [args.image_url, args.overlay_url];
        given.prompt =
          `Place the second image (logo/overlay) onto the first image at the ${where}, about ${args.overlay_scale}% of ` +
          `the first image's width, keeping its colours and shape exact and everything else in the first image unchanged.` +
          (args.prompt ? ` ${args.prompt}` : '');
        break;
      }
    }
    return { mode, given, defaults: args.operation === 'upscale' ? { upscale_factor: 2 } : {} };
  },
});

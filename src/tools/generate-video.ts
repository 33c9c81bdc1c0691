import * as v from 'valibot';
import { UserError } from '../errors.js';
import { serverChecked } from '../lib/schema-marks.js';
import type { MediaMode } from '../runs/plan-media.js';
import { defineRunTool } from './define-run-tool.js';
import { MediaParams, MediaRunFieldsTerse, PROMPT_MAX, tersely } from './media-params.js';

const MODES = {
  text: {
    label: 'text-to-video generation',
    makes: 'video',
    categories: ['text-to-video'],
    defaultModel: 'fal-ai/kling-video/v2.1/master/text-to-video',
    keywords: 'text to video',
  },
  image: {
    label: 'image-to-video animation',
    makes: 'video',
    categories: ['image-to-video'],
    defaultModel: 'fal-ai/kling-video/v2.1/master/image-to-video',
    keywords: 'image to video animate',
    needs: ['image_url'],
  },
  video: {
    label: 'video restyling',
    makes: 'video',
    categories: ['video-to-video'],
    defaultModel: 'fal-ai/kling-video/o1/video-to-video/edit',
    keywords: 'video to video edit restyle',
    needs: ['video_url'],
  },
} satisfies Record<string, MediaMode>;

export const generateVideoTool = defineRunTool({
  name: 'generate_video',
  title: 'Generate a video',
  description:
    'Make a video from a prompt (default Kling 2.1 Master), animate an image_url, or restyle a video_url; duration, aspect_ratio and resolution go to a model that offers them. Video takes minutes: expect a request_id, then check_job.',
  input: v.object({
    prompt: v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, 'describe the video'),
      v.maxLength(PROMPT_MAX),
      v.description('What happens.'),
      serverChecked(),
    ),
    image_url: MediaParams.image_url('A still image to animate.'),
    video_url: MediaParams.video_url('A video to restyle.'),
    duration: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(60), v.description('Seconds.'))),
    aspect_ratio: MediaParams.aspect_ratio,
    resolution: v.optional(
      v.pipe(v.string(), v.regex(/^\d{3,4}p$/, 'e.g. 720p'), v.description('e.g. 720p, 1080p.')),
    ),
    negative_prompt: tersely(MediaParams.negative_prompt),
    seed: tersely(MediaParams.seed),
    ...MediaRunFieldsTerse,
  }),
  synonyms: { image: 'image_url', video: 'video_url', length: 'duration', duration_seconds: 'duration' },
  build(args) {
    if (args.image_url && args.video_url) throw new UserError('Give image_url or video_url, not both.');
    const mode = args.video_url ? MODES.video : args.image_url ? MODES.image : MODES.text;
    return {
      mode,
      given: {
        prompt: args.prompt,
        image_url: args.image_url,
        video_url: args.video_url,
        duration: args.duration,
        aspect_ratio: args.aspect_ratio,
        resolution: args.resolution,
        negative_prompt: args.negative_prompt,
        seed: args.seed,
      },
    };
  },
});

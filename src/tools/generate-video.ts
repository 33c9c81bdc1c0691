import * as v from 'valibot';
import { UserError } from '../errors.js';
import { RUNS_MODEL } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { serverChecked } from '../mcp/json-schema.js';
import type { TaskMode } from '../media/choose-model.js';
import { JobOutput } from './job-output.js';
import { PROMPT_MAX, TaskParams, TaskRunFields } from './media-params.js';

import { runOptions, runTask } from './run-task.js';

const MODES = {
  text: {
    label: 'text-to-video generation',
    categories: ['text-to-video'],
    defaultModel: 'fal-ai/kling-video/v2.1/master/text-to-video',
    keywords: 'text to video',
  },
  image: {
    label: 'image-to-video animation',
    categories: ['image-to-video'],
    defaultModel: 'fal-ai/kling-video/v2.1/master/image-to-video',
    keywords: 'image to video animate',
  },
  video: {
    label: 'video restyling',
    categories: ['video-to-video'],
    defaultModel: 'fal-ai/kling-video/o1/video-to-video/edit',
    keywords: 'video to video edit restyle',
  },
} satisfies Record<string, TaskMode>;

export const generateVideoTool = defineTool({
  name: 'generate_video',
  title: 'Generate a video',
  group: 'media',
  description:
    'Make a video from a prompt (default Kling 2.1 Master), animate an image_url, or restyle a video_url; ' +
    'duration, aspect_ratio and resolution are mapped to what the model offers. Video takes minutes: expect a ' +
    'request_id and check_job to finish it, with progress meanwhile. run_model for other models or options. ' +
    'Needs a fal key.',
  input: v.object({
    prompt: v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, 'describe the video'),
      v.maxLength(PROMPT_MAX),
      serverChecked(),
    ),
    image_url: TaskParams.image_url('A still image to animate (uses an image-to-video model).'),
    video_url: TaskParams.video_url('A video to restyle (uses a video-to-video model).'),
    duration: v.optional(
      v.pipe(v.number(), v.minValue(1), v.maxValue(60), v.description('Seconds; nearest supported.')),
    ),
    aspect_ratio: TaskParams.aspect_ratio,
    resolution: v.optional(
      v.pipe(v.string(), v.regex(/^\d{3,4}p$/, 'e.g. 720p'), v.description('e.g. 720p, 1080p.')),
    ),
    negative_prompt: TaskParams.negative_prompt,
    seed: TaskParams.seed,
    ...TaskRunFields,
  }),
  output: JobOutput,
  annotations: RUNS_MODEL,
  needsKey: 'any',
  showsMedia: true,
  longRunning: true,
  synonyms: { image: 'image_url', video: 'video_url', length: 'duration', duration_seconds: 'duration' },
  async handler(args, caller, ctx) {
    if (args.image_url && args.video_url) throw new UserError('Give image_url or video_url, not both.');
    const mode = args.video_url ? MODES.video : args.image_url ? MODES.image : MODES.text;
    return runTask(
      {
        mode,
        model: args.model,
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
        ...runOptions(args),
      },
      caller,
      ctx,
    );
  },
});

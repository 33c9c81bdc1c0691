import * as v from 'valibot';
import { RUNS_MODEL } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { serverChecked } from '../mcp/json-schema.js';
import type { TaskMode } from '../media/choose-model.js';
import { JobOutput } from './job-output.js';
import { PROMPT_MAX, TaskParams, TaskRunFields } from './media-params.js';

import { runOptions, runTask } from './run-task.js';

const MODES = {
  music: {
    label: 'music generation',
    categories: ['text-to-audio'],
    defaultModel: 'fal-ai/lyria2',
    keywords: 'music',
  },
  song: {
    label: 'songs with lyrics',
    categories: ['text-to-audio'],
    defaultModel: 'fal-ai/minimax-music/v2',
    keywords: 'music lyrics song',
  },
  sound_effect: {
    label: 'sound effects',
    // fal files some sound-effect models under text-to-speech.
    categories: ['text-to-audio', 'text-to-speech'],
    defaultModel: 'fal-ai/elevenlabs/sound-effects/v2',
    keywords: 'sound effects',
  },
} satisfies Record<string, TaskMode>;

export const generateAudioTool = defineTool({
  name: 'generate_audio',
  title: 'Generate music or sound',
  group: 'media',
  description:
    'Make music from a prompt (default Lyria 2; with lyrics, a song model) or a sound effect (kind ' +
    '"sound_effect"). Use generate_speech for spoken text, ' +
    'run_model for other audio models. Returns audio links. Needs a fal key.',
  input: v.object({
    prompt: v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, 'describe the audio'),
      v.maxLength(PROMPT_MAX),
      serverChecked(),
    ),
    kind: v.optional(v.picklist(['music', 'sound_effect']), 'music'),
    lyrics: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(PROMPT_MAX),
        v.description('Song lyrics (music only).'),
        serverChecked(),
      ),
    ),
    duration: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(600), v.description('Seconds.'))),
    negative_prompt: TaskParams.negative_prompt,
    seed: TaskParams.seed,
    ...TaskRunFields,
  }),
  output: JobOutput,
  annotations: RUNS_MODEL,
  needsKey: 'any',
  showsMedia: true,
  longRunning: true,
  synonyms: { duration_seconds: 'duration', length: 'duration' },
  async handler(args, caller, ctx) {
    const mode = args.kind === 'sound_effect' ? MODES.sound_effect : args.lyrics ? MODES.song : MODES.music;
    return runTask(
      {
        mode,
        model: args.model,
        given: {
          prompt: args.prompt,
          lyrics: args.lyrics,
          duration: args.duration,
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

import * as v from 'valibot';
import { serverChecked } from '../lib/schema-marks.js';
import type { MediaMode } from '../runs/plan-media.js';
import { defineRunTool } from './define-run-tool.js';
import { MediaParams, MediaRunFieldsTerse, PROMPT_MAX, tersely } from './media-params.js';

const MODES = {
  music: {
    label: 'music generation',
    makes: 'audio',
    categories: ['text-to-audio'],
    defaultModel: 'fal-ai/lyria2',
    keywords: 'music',
  },
  song: {
    label: 'songs with lyrics',
    makes: 'audio',
    categories: ['text-to-audio'],
    defaultModel: 'fal-ai/minimax-music/v2',
    keywords: 'music lyrics song',
  },
  sound_effect: {
    label: 'sound effects',
    makes: 'audio',
    // fal files some sound-effect models under text-to-speech.
    categories: ['text-to-audio', 'text-to-speech'],
    defaultModel: 'fal-ai/elevenlabs/sound-effects/v2',
    keywords: 'sound effects',
  },
} satisfies Record<string, MediaMode>;

export const generateAudioTool = defineRunTool({
  name: 'generate_audio',
  title: 'Generate music or sound',
  description:
    'Make music from a prompt (default Lyria 2; with lyrics, a song model) or a sound effect (kind ' +
    '"sound_effect"). Use generate_speech for spoken text, ' +
    'run_model for other audio models. Returns audio links.',
  input: v.object({
    prompt: v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, 'describe the audio'),
      v.maxLength(PROMPT_MAX),
      v.description('Style, mood, instruments.'),
      serverChecked(),
    ),
    kind: v.optional(v.pipe(v.picklist(['music', 'sound_effect']), v.description('Default music.')), 'music'),
    lyrics: v.optional(
      v.pipe(
        v.string(),
        v.maxLength(PROMPT_MAX),
        v.description('Song lyrics (music only).'),
        serverChecked(),
      ),
    ),
    duration: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(600), v.description('Seconds.'))),
    negative_prompt: tersely(MediaParams.negative_prompt),
    seed: tersely(MediaParams.seed),
    ...MediaRunFieldsTerse,
  }),
  synonyms: { duration_seconds: 'duration', length: 'duration' },
  build(args) {
    const mode = args.kind === 'sound_effect' ? MODES.sound_effect : args.lyrics ? MODES.song : MODES.music;
    return {
      mode,
      given: {
        prompt: args.prompt,
        lyrics: args.lyrics,
        duration: args.duration,
        negative_prompt: args.negative_prompt,
        seed: args.seed,
      },
    };
  },
});

import * as v from 'valibot';
import { serverChecked } from '../lib/schema-marks.js';
import type { MediaMode } from '../runs/plan-media.js';
import { defineRunTool } from './define-run-tool.js';
import { MediaRunFieldsTerse, PROMPT_MAX } from './media-params.js';

const SPEECH: MediaMode = {
  label: 'text-to-speech',
  makes: 'audio',
  // Some of fal's newer speech models are filed under text-to-audio.
  categories: ['text-to-speech', 'text-to-audio'],
  defaultModel: 'fal-ai/elevenlabs/tts/multilingual-v2',
  keywords: 'text to speech tts voice',
};

export const generateSpeechTool = defineRunTool({
  name: 'generate_speech',
  title: 'Generate speech (text to speech)',
  description:
    'Text to spoken audio (default ElevenLabs Multilingual v2). voice: the model\'s voice name or id ("Rachel" for ElevenLabs, "Wise_Woman" for MiniMax); language where the model takes one. generate_audio for music and sound effects.',
  input: v.object({
    text: v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, 'give the text to speak'),
      v.maxLength(PROMPT_MAX),
      v.description('What to say.'),
      serverChecked(),
    ),
    voice: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(100), v.description("The model's voice."))),
    language: v.optional(
      v.pipe(v.string(), v.trim(), v.maxLength(40), v.description('e.g. en, de, or English.')),
    ),
    ...MediaRunFieldsTerse,
  }),
  synonyms: { prompt: 'text', input: 'text', voice_id: 'voice' },
  build(args) {
    return { mode: SPEECH, given: { prompt: args.text, voice: args.voice, language: args.language } };
  },
});

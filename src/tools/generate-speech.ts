import * as v from 'valibot';
import { RUNS_MODEL } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { serverChecked } from '../mcp/json-schema.js';
import type { TaskMode } from '../media/choose-model.js';
import { JobOutput } from './job-output.js';
import { PROMPT_MAX, TaskRunFields } from './media-params.js';

import { runOptions, runTask } from './run-task.js';

const SPEECH: TaskMode = {
  label: 'text-to-speech',
  // Some of fal's newer speech models are filed under text-to-audio.
  categories: ['text-to-speech', 'text-to-audio'],
  defaultModel: 'fal-ai/elevenlabs/tts/multilingual-v2',
  keywords: 'text to speech tts voice',
};

export const generateSpeechTool = defineTool({
  name: 'generate_speech',
  title: 'Generate speech',
  group: 'media',
  description:
    "Turn text into spoken audio (default ElevenLabs Multilingual v2). voice is the model's voice name or id " +
    '(e.g. "Rachel" for ElevenLabs, "Wise_Woman" for MiniMax); language where the model takes one. Use ' +
    'generate_audio for music and sound effects. Returns an audio link. Needs a fal key.',
  input: v.object({
    text: v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1, 'give the text to speak'),
      v.maxLength(PROMPT_MAX),
      serverChecked(),
    ),
    voice: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(100))),
    language: v.optional(
      v.pipe(v.string(), v.trim(), v.maxLength(40), v.description('e.g. en, de, or English.')),
    ),
    ...TaskRunFields,
  }),
  output: JobOutput,
  annotations: RUNS_MODEL,
  needsKey: 'any',
  showsMedia: true,
  longRunning: true,
  synonyms: { prompt: 'text', input: 'text', voice_id: 'voice' },
  async handler(args, caller, ctx) {
    return runTask(
      {
        mode: SPEECH,
        model: args.model,
        given: { prompt: args.text, voice: args.voice, language: args.language },
        ...runOptions(args),
      },
      caller,
      ctx,
    );
  },
});

import * as v from 'valibot';
import { RUNS_MODEL } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import type { TaskMode } from '../media/choose-model.js';
import { JobOutput } from './job-output.js';
import { TaskParams, TaskRunFields } from './media-params.js';

import { runOptions, runTask } from './run-task.js';

const TRANSCRIBE: TaskMode = {
  label: 'speech-to-text',
  categories: ['speech-to-text'],
  defaultModel: 'fal-ai/whisper',
  keywords: 'speech to text transcription',
};

const Transcript = v.object({
  text: v.string(),
  chunks: v.array(
    v.object({
      start: v.nullable(v.number()),
      end: v.nullable(v.number()),
      text: v.string(),
      speaker: v.optional(v.string()),
    }),
  ),
});

/** Pull the text and timed chunks out of a speech-to-text output, whatever the model called them. */
export function transcriptOf(
  result: Record<string, unknown> | undefined,
): v.InferOutput<typeof Transcript> | undefined {
  if (!result) return undefined;
  const text =
    typeof result.text === 'string'
      ? result.text
      : typeof result.transcript === 'string'
        ? result.transcript
        : undefined;
  if (text === undefined) return undefined;
  const raw = Array.isArray(result.chunks)
    ? result.chunks
    : Array.isArray(result.segments)
      ? result.segments
      : [];
  const chunks = raw.flatMap((c) => {
    if (typeof c !== 'object' || c === null) return [];
    const chunk = c as Record<string, unknown>;
    const ts = Array.isArray(chunk.timestamp) ? chunk.timestamp : [chunk.start, chunk.end];
    const num = (x: unknown) => (typeof x === 'number' ? x : null);
    return [
      {
        start: num(ts[0]),
        end: num(ts[1]),
        text: typeof chunk.text === 'string' ? chunk.text : '',
        ...(typeof chunk.speaker === 'string' ? { speaker: chunk.speaker } : {}),
      },
    ];
  });
  return { text, chunks };
}

export const transcribeAudioTool = defineTool({
  name: 'transcribe_audio',
  title: 'Transcribe audio',
  group: 'media',
  description:
    'Speech to text from an audio_url (default Whisper): the transcript, and timed chunks (with speakers when ' +
    'diarize is on) when the model gives them. Upload local audio with upload_file first. Needs a fal key.',
  input: v.object({
    audio_url: v.pipe(
      TaskParams.audio_url,
      v.description('The audio: a public URL or an upload_file result.'),
    ),
    language: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.maxLength(10),
        v.description('Spoken language code, e.g. en; default: detect.'),
      ),
    ),
    diarize: v.optional(v.boolean(), false),
    timestamps: v.optional(v.boolean(), true),
    ...TaskRunFields,
  }),
  output: v.object({ ...JobOutput.entries, transcript: v.optional(Transcript) }),
  annotations: RUNS_MODEL,
  needsKey: 'any',
  showsMedia: true,
  longRunning: true,
  synonyms: { url: 'audio_url', audio: 'audio_url', file_url: 'audio_url' },
  async handler(args, caller, ctx) {
    const out = await runTask(
      {
        mode: TRANSCRIBE,
        model: args.model,
        given: { audio_url: args.audio_url, language: args.language, diarize: args.diarize || undefined },
        defaults: { task: 'transcribe', chunk_level: args.timestamps ? 'segment' : 'none' },
        ...runOptions(args),
      },
      caller,
      ctx,
    );
    const transcript = transcriptOf(out.structured.result);
    if (!transcript) return out;
    const timed = transcript.chunks
      .slice(0, 20)
      .map((c) => `[${c.start ?? '?'}–${c.end ?? '?'}]${c.speaker ? ` ${c.speaker}:` : ''} ${c.text.trim()}`);
    return {
      ...out,
      structured: { ...out.structured, transcript },
      text: [
        `Transcript (${out.structured.model}):`,
        transcript.text,
        ...(timed.length ? ['', ...timed] : []),
        ...out.structured.notes,
      ].join('\n'),
    };
  },
});

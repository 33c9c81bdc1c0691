import * as v from 'valibot';
import type { MediaMode } from '../runs/plan-media.js';
import { MediaJobOutput, type Presenter, Transcript } from '../runs/present.js';
import { defineRunTool } from './define-run-tool.js';
import { MediaParams, MediaRunFieldsTerse } from './media-params.js';

const TRANSCRIBE: MediaMode = {
  label: 'speech-to-text',
  makes: 'text',
  categories: ['speech-to-text'],
  defaultModel: 'fal-ai/whisper',
  keywords: 'speech to text transcription',
  needs: ['audio_url'],
};

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

/** The transcript first, timed chunks after: the same wherever the job is read (check_job, tasks/get). */
const presentTranscript: Presenter = (view, output) => {
  const transcript = transcriptOf(view.result);
  if (!transcript) return output;
  const timed = transcript.chunks
    .slice(0, 20)
    .map((c) => `[${c.start ?? '?'}–${c.end ?? '?'}]${c.speaker ? ` ${c.speaker}:` : ''} ${c.text.trim()}`);
  return {
    ...output,
    structured: { ...output.structured, transcript },
    text: [
      `Transcript (${view.model}, request ${view.request_id}):`,
      transcript.text,
      ...(timed.length ? ['', ...timed] : []),
      ...view.notes,
    ].join('\n'),
  };
};

export const transcribeAudioTool = defineRunTool({
  name: 'transcribe_audio',
  title: 'Transcribe audio (speech to text)',
  description:
    'Speech to text from an audio_url (default Whisper): the transcript, and timed chunks (with speakers when ' +
    'diarize is on) when the model gives them. Upload local audio with upload_file first.',
  input: v.object({
    audio_url: v.pipe(
      MediaParams.audio_url,
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
    diarize: v.optional(v.pipe(v.boolean(), v.description('Label speakers.')), false),
    timestamps: v.optional(v.pipe(v.boolean(), v.description('Timed chunks.')), true),
    ...MediaRunFieldsTerse,
  }),
  output: v.object({ ...MediaJobOutput.entries, transcript: v.optional(Transcript) }),
  synonyms: { url: 'audio_url', audio: 'audio_url', file_url: 'audio_url' },
  present: presentTranscript,
  build(args) {
    return {
      mode: TRANSCRIBE,
      given: { audio_url: args.audio_url, language: args.language, diarize: args.diarize || undefined },
      defaults: { task: 'transcribe', chunk_level: args.timestamps ? 'segment' : 'none' },
    };
  },
});

/** The words local search knows: field weights, stopwords, task intents, synonyms, and how text becomes tokens. */

/** How much a match in each field counts. Names and ids say what a model is; descriptions only hint. */
export const FIELD_WEIGHTS = { id: 3, name: 3, tags: 2, family: 2, category: 1.5, description: 1 } as const;
export type Field = keyof typeof FIELD_WEIGHTS;

export const STOPWORDS = new Set(
  (
    'a an and the of for to in on with from by me my i we our is are be it this that using use make create want need ' +
    'model models generate generates generated generating generation best good'
  ).split(' '),
);

/** Words that say which kind of model the query wants; matching models get a boost. */
export const INTENTS: Record<string, string[]> = {
  transcribe: ['speech-to-text'],
  transcription: ['speech-to-text'],
  stt: ['speech-to-text'],
  tts: ['text-to-speech'],
  voice: ['text-to-speech'],
  speech: ['text-to-speech', 'speech-to-text'],
  music: ['text-to-audio'],
  song: ['text-to-audio'],
  upscale: ['image-to-image', 'video-to-video'],
  animate: ['image-to-video'],
  '3d': ['image-to-3d', 'text-to-3d'],
};

/** Words agents use for what fal's catalogue calls something else. */
export const SYNONYMS: Record<string, string[]> = {
  picture: ['image'],
  photo: ['image', 'photorealistic'],
  photos: ['image'],
  images: ['image'],
  pic: ['image'],
  movie: ['video'],
  clip: ['video'],
  film: ['video'],
  animate: ['video', 'animation'],
  animation: ['video'],
  videos: ['video'],
  music: ['audio', 'song'],
  song: ['music', 'audio'],
  sound: ['audio'],
  sfx: ['sound', 'audio'],
  voice: ['speech', 'tts'],
  tts: ['speech'],
  speak: ['speech'],
  transcribe: ['speech', 'transcription', 'whisper'],
  transcription: ['speech', 'whisper'],
  stt: ['speech', 'transcription'],
  upscaler: ['upscale'],
  upscaling: ['upscale'],
  enhance: ['upscale'],
  mesh: ['3d'],
  rembg: ['background'],
  bg: ['background'],
  cutout: ['background'],
};

export function rawTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9.]+/)
    .map((t) => t.replace(/^\.+|\.+$/g, ''))
    .filter((t) => t.length > 0);
}

export function tokenize(text: string): string[] {
  return rawTokens(text).filter((t) => !STOPWORDS.has(t));
}

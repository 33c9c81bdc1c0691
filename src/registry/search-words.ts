/** The words local search knows: field weights, stopwords, task intents, synonyms, and how text becomes tokens. */

/** How much a match in each field counts. Names and ids say what a model is; descriptions only hint. */
export const FIELD_WEIGHTS = { id: 3, name: 3, tags: 2, family: 2, category: 1.5, description: 1 } as const;
export type Field = keyof typeof FIELD_WEIGHTS;

export const STOPWORDS = new Set(
  (
    'a an and the of for to in on with from by me my i we our is are be it this that using use make create want need ' +
    'model models generate generates generated generating generation best good into this these those turn its ' +
    'their please'
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

/**
 * Tasks as users phrase them, read for what they mean: "make this blurry photo
 * sharper" is a deblur or upscale, "isolate the vocals" a stem separation. A
 * phrase that matches adds a search for the catalogue's own words for that task.
 */
export interface TaskPhrase {
  /** What the task is, for the recommendation's reason. */
  label: string;
  test: (task: string) => boolean;
  /** The catalogue's words for it. */
  search: string;
  /** Categories it belongs to (a boost). */
  categories: readonly string[];
}

const has = (pattern: RegExp) => (task: string) => pattern.test(task);
const VIDEO = /\b(videos?|clips?|footage|movies?|films?)\b/;
const both = (a: RegExp, b: RegExp) => (task: string) => a.test(task) && b.test(task);
const imageOnly = (a: RegExp) => (task: string) => a.test(task) && !VIDEO.test(task);

export const TASK_PHRASES: readonly TaskPhrase[] = [
  {
    label: 'sharpening a blurry image',
    test: imageOnly(/\b(blurr?y|sharp(en|er)|deblur\w*|out of focus|unfocused|pixelated|low[- ]res\w*)\b/),
    search: 'deblur sharpen upscale',
    categories: ['image-to-image'],
  },
  {
    label: 'restoring an old photo',
    test: imageOnly(
      /\b(old|scratch\w*|damaged|faded|torn|restor\w*|repair)\b.*\b(photos?|pictures?|images?|portraits?)\b|\b(fix|restore|repair)\b.*\b(photos?|pictures?)\b/,
    ),
    search: 'restoration restore',
    categories: ['image-to-image'],
  },
  {
    label: 'extending an image beyond its borders (outpainting)',
    test: imageOnly(
      /\b(beyond (its|the) (borders?|edges?|frame)|outpaint\w*|uncrop|zoom(ed)? out|widen|expand)\b/,
    ),
    search: 'outpaint expand',
    categories: ['image-to-image'],
  },
  {
    label: 'extending a video',
    test: both(/\b(longer|extend\w*|continue|continuation|lengthen)\b/, VIDEO),
    search: 'extend',
    categories: ['video-to-video', 'text-to-video'],
  },
  {
    label: 'separating vocals or instruments (stems)',
    test: (task) =>
      /\b(vocals?|stems?|karaoke|instrumental|a ?cappella)\b/.test(task) &&
      /\b(isolat\w*|separat\w*|split|extract|remov\w*|karaoke|stems?|instrumental|a ?cappella)\b/.test(task),
    search: 'demucs separate isolation',
    categories: ['audio-to-audio', 'other'],
  },
  {
    label: 'keeping a character consistent across images',
    test: has(
      /\b(same|consistent|keep|recurring|reuse)\b.*\b(characters?|persons?|faces?|subjects?|identity|mascots?)\b|\bcharacter consistency\b/,
    ),
    search: 'character reference subject',
    categories: ['image-to-image'],
  },
  {
    label: 'removing a background',
    test: has(
      /\b(remov\w*|cut ?out|delete|transparent|no|without)\b.*\bbackgrounds?\b|\bbackground removal\b/,
    ),
    search: 'background remove removal rembg',
    categories: ['image-to-image'],
  },
  {
    label: 'reading text aloud (text to speech)',
    test: has(/\b(aloud|out loud|narrat\w*|voice ?over|read (it|this|the text))\b/),
    search: 'text to speech tts',
    categories: ['text-to-speech'],
  },
  {
    label: 'animating an image into a video',
    test: (task) =>
      /\b(photos?|images?|pictures?|stills?|portraits?|drawings?)\b.*\b(into|to|as)\b.*\b(videos?|clips?|animations?)\b/.test(
        task,
      ) || /\b(animate|bring .* to life|make .* move)\b/.test(task),
    search: 'image to video',
    categories: ['image-to-video'],
  },
  {
    label: 'lip sync',
    test: has(/\blip[- ]?sync\w*|\blips?\b|\bmouth\b.*\b(audio|speech|voice)\b/),
    search: 'lipsync sync',
    categories: ['video-to-video', 'audio-to-video'],
  },
  {
    label: 'a song with lyrics',
    test: has(/\b(lyrics|sing\w*|songs?)\b/),
    search: 'music song',
    categories: ['text-to-audio'],
  },
  {
    label: 'transcribing speech',
    test: has(/\b(transcri\w*|subtitles?|speech to text|dictation)\b/),
    search: 'speech to text transcription whisper',
    categories: ['speech-to-text'],
  },
];

/** The task phrases a task matches, in the table's order. */
export function taskPhrases(task: string): TaskPhrase[] {
  const text = task.toLowerCase();
  return TASK_PHRASES.filter((p) => p.test(text));
}

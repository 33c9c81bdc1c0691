/** The seed's simplified categories, extended with 3d and text where fal has them. */
export const SIMPLE_CATEGORIES = ['image', 'video', 'audio', '3d', 'text'] as const;
export type SimpleCategory = (typeof SIMPLE_CATEGORIES)[number];

/** fal category → simplified category (the seed's table, plus the kinds it missed). */
export const CATEGORY_MAPPING: Readonly<Record<string, SimpleCategory>> = {
  'text-to-image': 'image',
  'image-to-image': 'image',
  'text-to-video': 'video',
  'image-to-video': 'video',
  'video-to-video': 'video',
  'audio-to-video': 'video',
  audio: 'audio',
  'text-to-audio': 'audio',
  'speech-to-text': 'audio',
  'text-to-speech': 'audio',
  'audio-to-audio': 'audio',
  'video-to-audio': 'audio',
  'image-to-3d': '3d',
  'text-to-3d': '3d',
  llm: 'text',
  vision: 'text',
};

/** Every fal category of one simplified kind, most generative first (text-to-* leads). */
export function falCategoriesOf(simple: SimpleCategory): string[] {
  return Object.entries(CATEGORY_MAPPING)
    .filter(([fal, s]) => s === simple && fal !== 'audio')
    .map(([fal]) => fal)
    .sort((a, b) => Number(b.startsWith('text-to-')) - Number(a.startsWith('text-to-')));
}

export function isSimpleCategory(value: string): value is SimpleCategory {
  return (SIMPLE_CATEGORIES as readonly string[]).includes(value);
}

/** A category filter accepts either vocabulary: `image` or `text-to-image`. */
export function categoryMatcher(filter: string | undefined): ((falCategory: string) => boolean) | undefined {
  if (!filter) return undefined;
  const wanted = filter.trim().toLowerCase();
  if (isSimpleCategory(wanted)) return (c) => CATEGORY_MAPPING[c] === wanted;
  return (c) => c === wanted;
}

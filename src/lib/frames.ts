/** What fal's media inputs mean: image frames (presets, ratios) and the inputs that say a length. */

/** fal's image size presets, in pixels. */
export const IMAGE_PRESETS: Readonly<Record<string, readonly [number, number]>> = {
  square_hd: [1024, 1024],
  square: [512, 512],
  portrait_4_3: [768, 1024],
  portrait_16_9: [576, 1024],
  landscape_4_3: [1024, 768],
  landscape_16_9: [1024, 576],
};

/** Width ÷ height of "16:9", "16x9", "16/9", or of a preset name ("landscape_16_9"). */
export function ratioOf(value: unknown): number | undefined {
  const preset = typeof value === 'string' ? IMAGE_PRESETS[value] : undefined;
  if (preset) return preset[0] / preset[1];
  const m = /^(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)$/.exec(String(value));
  if (!m?.[1] || !m[2]) return undefined;
  return Number(m[1]) / Number(m[2]);
}

/** The inputs models take a length in, in seconds (`music_length_ms` in milliseconds). */
export const DURATION_INPUTS = [
  'duration',
  'duration_seconds',
  'seconds_total',
  'num_seconds',
  'music_length_ms',
];

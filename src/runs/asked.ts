import type { Asked, MediaFile } from '../jobs/job-record.js';
import { ratioOf } from '../lib/frames.js';
import { isObject } from '../lib/is-object.js';
import type { Unmet } from '../media/map-params.js';

export type { Asked } from '../jobs/job-record.js';

/** What of the caller's values can be checked in a result: shape, count, length. */
export function askedOf(given: Record<string, unknown>): Asked | undefined {
  const asked: Asked = {};
  if (typeof given.aspect_ratio === 'string') asked.aspect_ratio = given.aspect_ratio;
  const size = given.image_size;
  if (isObject(size) && typeof size.width === 'number' && typeof size.height === 'number') {
    asked.width = size.width;
    asked.height = size.height;
  }
  if (typeof given.num_images === 'number') asked.num_images = given.num_images;
  if (typeof given.duration === 'number') asked.duration = given.duration;
  return Object.keys(asked).length ? asked : undefined;
}

const show = (key: string, value: unknown) =>
  key === 'image_size' && isObject(value)
    ? `width/height ${value.width}×${value.height}`
    : `${key} ${JSON.stringify(value)}`;

/** One value the model cannot take as asked, in words: what was asked, what it takes, what it would get. */
export function describeUnmet(model: string, u: Unmet): string {
  const asked = show(u.key, u.value);
  switch (u.kind) {
    case 'absent':
      return `${asked}: ${model} has no input for it`;
    case 'value':
      return `${asked}: ${model} does not take it${u.allowed ? ` (it takes ${u.allowed})` : ''}`;
    case 'nearest':
      return `${asked}: ${model} takes ${u.allowed ?? 'other values'}; nearest ${u.sentAs?.name}=${JSON.stringify(u.sentAs?.value)}`;
  }
}

const ratioText = (w: number, h: number) => {
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  const g = gcd(Math.round(w), Math.round(h)) || 1;
  return `${Math.round(w) / g}:${Math.round(h) / g}`;
};

/** Notes where what came back differs from what was asked (a model may ignore or round a value). */
export function resultChecks(asked: Asked | undefined, media: readonly MediaFile[]): string[] {
  if (!asked) return [];
  const notes: string[] = [];
  const images = media.filter((m) => m.kind === 'image');
  if (asked.num_images !== undefined && images.length > 0 && images.length !== asked.num_images) {
    notes.push(`Asked for ${asked.num_images} image(s); ${images.length} came back.`);
  }
  const sized =
    images.find((m) => m.width && m.height) ?? media.find((m) => m.kind === 'video' && m.width && m.height);
  if (sized?.width && sized.height) {
    const got = `${sized.width}×${sized.height}`;
    if (asked.width !== undefined && asked.height !== undefined) {
      if (sized.width !== asked.width || sized.height !== asked.height) {
        notes.push(`Asked for ${asked.width}×${asked.height}; the ${sized.kind} is ${got}.`);
      }
    } else if (asked.aspect_ratio) {
      const want = ratioOf(asked.aspect_ratio);
      if (want !== undefined && Math.abs(sized.width / sized.height / want - 1) > 0.03) {
        notes.push(
          `Asked for ${asked.aspect_ratio}; the ${sized.kind} is ${got} (${ratioText(sized.width, sized.height)}).`,
        );
      }
    }
  }
  if (asked.duration !== undefined) {
    const clip = media.find((m) => (m.kind === 'video' || m.kind === 'audio') && m.duration !== undefined);
    if (
      clip?.duration !== undefined &&
      Math.abs(clip.duration - asked.duration) > Math.max(0.5, asked.duration * 0.1)
    ) {
      notes.push(
        `Asked for ${asked.duration} s; the ${clip.kind} is ${Math.round(clip.duration * 10) / 10} s.`,
      );
    }
  }
  return notes;
}

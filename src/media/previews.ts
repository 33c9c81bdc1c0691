import type Sharp from 'sharp';
import { UserError } from '../errors.js';
import type { MediaFile } from '../jobs/job-record.js';
import { LruTtlCache } from '../lib/lru.js';
import { ConcurrencyLimiter } from '../limits/concurrency.js';
import type { Logger } from '../log.js';
import { type FetchPolicy, openPublicUrl } from '../net/safe-fetch.js';

type SharpModule = typeof Sharp;
let loading: Promise<SharpModule | undefined> | undefined;

/**
 * sharp, loaded on first use: a machine without its prebuilt binary still
 * serves everything else, with a note instead of previews.
 */
function loadSharp(logger: Logger): Promise<SharpModule | undefined> {
  loading ??= import('sharp').then(
    (m) => {
      // libvips' operation cache would keep decoded images of every tenant around; each preview is made once.
      m.default.cache(false);
      return m.default;
    },
    (error: unknown) => {
      logger.warn('image previews are off: sharp could not be loaded', { error: String(error) });
      return undefined;
    },
  );
  return loading;
}

/** An inline image for a vision model to look at: small WebP, base64. */
export interface Preview {
  field: string;
  data: string;
  mimeType: 'image/webp';
  width: number;
  height: number;
}

export interface PreviewBatch {
  images: Preview[];
  /** What was left out and why, for the result's notes. */
  notes: string[];
}

export interface PreviewLimits {
  maxImages: number;
  maxSide: number;
  totalBytes: number;
  sourceBytes: number;
  timeoutMs: number;
  maxPixels: number;
}

export const PREVIEW_LIMITS: PreviewLimits = {
  maxImages: 4,
  maxSide: 512,
  /** All previews of one result together, as base64 characters (what the agent's context receives). */
  totalBytes: 150_000,
  /** The image fetched from fal's CDN. */
  sourceBytes: 20 * 1024 * 1024,
  /** For the whole batch, fetches and encoding together. */
  timeoutMs: 8_000,
  /** Larger inputs are not decoded (a decompression bomb costs CPU and memory, not a preview). */
  maxPixels: 100_000_000,
};

// Only formats recognised by their first bytes reach the decoder: no SVG (librsvg), no PDF, no raw.
const SIGNATURES: readonly { name: string; test: (b: Buffer) => boolean }[] = [
  { name: 'png', test: (b) => b.readUInt32BE(0) === 0x89504e47 },
  { name: 'jpeg', test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { name: 'gif', test: (b) => b.toString('latin1', 0, 4) === 'GIF8' },
  {
    name: 'webp',
    test: (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP',
  },
  { name: 'avif', test: (b) => b.toString('latin1', 4, 8) === 'ftyp' },
  { name: 'tiff', test: (b) => ['II*\u0000', 'MM\u0000*'].includes(b.toString('latin1', 0, 4)) },
];

/** The full preview, and the rougher one tried when the budget is short: quality and long side. */
const fullStep = (limits: PreviewLimits) => ({ quality: 75, side: limits.maxSide });
const roughStep = (limits: PreviewLimits) => ({ quality: 45, side: Math.round(limits.maxSide * 0.75) });

/**
 * Small previews of a result's images, fetched from fal's CDN through the same
 * address guard as upload_file. Bounded per result (count, bytes, time) and per
 * process (four batches at a time, two per tenant), and cached by URL so
 * checking a job again costs no decoding.
 */
export class PreviewMaker {
  readonly #cache = new LruTtlCache<string, Buffer>(32, 60 * 60_000);
  readonly #slots = new ConcurrencyLimiter(2, 4);

  constructor(
    private readonly deps: {
      allowHosts?: readonly string[];
      logger: Logger;
      limits?: Partial<PreviewLimits>;
    },
  ) {}

  get #limits(): PreviewLimits {
    return { ...PREVIEW_LIMITS, ...this.deps.limits };
  }

  async make(media: readonly MediaFile[], tenant: string, signal: AbortSignal): Promise<PreviewBatch> {
    const limits = this.#limits;
    const images = media.filter((m) => m.kind === 'image' && /^https?:/.test(m.url));
    if (images.length === 0) return { images: [], notes: [] };
    const notes: string[] = [];
    if (images.length > limits.maxImages) {
      notes.push(`Previews show the first ${limits.maxImages} of ${images.length} images.`);
    }
    const sharp = await loadSharp(this.deps.logger);
    if (!sharp) return { images: [], notes: ['No previews: this server cannot decode images.'] };
    const release = this.#slots.tryAcquire(tenant);
    if (!release) {
      return {
        images: [],
        notes: ['No previews this time (the server is busy making others); check_job shows them.'],
      };
    }
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(limits.timeoutMs)]);
    const policy: FetchPolicy = {
      maxBytes: limits.sourceBytes,
      timeoutMs: limits.timeoutMs,
      allowHosts: this.deps.allowHosts ?? [],
    };
    try {
      const out: Preview[] = [];
      let spent = 0;
      // One at a time: a batch never holds more than one source image in memory.
      for (const file of images.slice(0, limits.maxImages)) {
        if (signal.aborted) break;
        try {
          const preview = await this.#preview(
            sharp,
            file,
            policy,
            limits,
            deadline,
            limits.totalBytes - spent,
          );
          if (!preview) {
            notes.push(
              `No preview of ${file.field}: the ${limits.totalBytes / 1000} KB preview budget is spent.`,
            );
            continue;
          }
          spent += preview.data.length;
          out.push(preview);
        } catch (error) {
          notes.push(`No preview of ${file.field}: ${reason(error, deadline, limits.timeoutMs)}.`);
          this.deps.logger.debug('preview failed', { field: file.field, error: String(error) });
        }
      }
      return { images: out, notes };
    } finally {
      release();
    }
  }

  async #preview(
    sharp: SharpModule,
    file: MediaFile,
    policy: FetchPolicy,
    limits: PreviewLimits,
    deadline: AbortSignal,
    room: number,
  ): Promise<Preview | undefined> {
    let source: Buffer | undefined;
    let best = this.#cache.get(file.url);
    if (!best) {
      source = await fetchImage(file.url, policy, deadline);
      best = await encode(sharp, source, fullStep(limits), limits.maxPixels);
      deadline.throwIfAborted();
      this.#cache.set(file.url, best);
    }
    let chosen: Buffer | undefined = best;
    if (base64Length(best) > room) {
      // Too big for what is left of the budget: smaller and rougher, from the source if still at hand.
      chosen = await encode(sharp, source ?? best, roughStep(limits), limits.maxPixels);
      deadline.throwIfAborted();
      if (base64Length(chosen) > room) return undefined;
    }
    const { width = 0, height = 0 } = await sharp(chosen).metadata();
    return { field: file.field, data: chosen.toString('base64'), mimeType: 'image/webp', width, height };
  }
}

const base64Length = (bytes: Buffer) => Math.ceil(bytes.length / 3) * 4;

function encode(
  sharp: SharpModule,
  source: Buffer,
  step: { quality: number; side: number },
  maxPixels: number,
): Promise<Buffer> {
  return sharp(source, { limitInputPixels: maxPixels, failOn: 'error' })
    .rotate()
    .resize({ width: step.side, height: step.side, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: step.quality })
    .toBuffer();
}

/** The image's bytes, refused unless they start like an image format the decoder is trusted with. */
async function fetchImage(url: string, policy: FetchPolicy, signal: AbortSignal): Promise<Buffer> {
  const opened = await openPublicUrl(url, policy, signal);
  const chunks: Buffer[] = [];
  for await (const chunk of opened.body) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  if (bytes.length < 12 || !SIGNATURES.some((s) => s.test(bytes))) {
    throw new UserError('it is not a PNG, JPEG, WebP, GIF, AVIF or TIFF image');
  }
  return bytes;
}

function reason(error: unknown, deadline: AbortSignal, timeoutMs: number): string {
  if (deadline.aborted) return `fetching and shrinking took longer than ${timeoutMs / 1000} s`;
  if (error instanceof UserError) {
    const message = error.message.replace(/\.$/, '');
    return message.charAt(0).toLowerCase() + message.slice(1);
  }
  if (error instanceof Error && /pixel limit/i.test(error.message)) return 'the image is too large to decode';
  return 'the image could not be read';
}

import { freemem } from 'node:os';
import { UserError } from '../errors.js';
import type { MediaFile } from '../jobs/job-record.js';
import { deadline } from '../lib/deadline.js';
import { LruTtlCache } from '../lib/lru.js';
import { ConcurrencyLimiter } from '../limits/concurrency.js';
import type { Logger } from '../log.js';
import type { FetchPolicy } from '../net/safe-fetch.js';
import { MemoryStore } from '../store/memory-store.js';
import { DecodeFailure, ImageDecoder } from './decoder.js';
import { readImageHeader } from './image-header.js';
import { fetchPreviewSource } from './preview-source.js';

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
  maxRowPixels: number;
  maxWholePixels: number;
  tenantBytesPerMinute: number;
  minFreeMemory: number;
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
  /** Larger images are not decoded. A sequential JPEG or lossy WebP decodes straight to 1/8 size. */
  maxPixels: 40_000_000,
  /** A plain PNG is streamed row by row, at full width (a 4000 × 4000 one peaks the decoder at ~225 MB). */
  maxRowPixels: 16_000_000,
  /** Progressive or CMYK JPEG, interlaced or 16-bit PNG, GIF, AVIF, lossless WebP: decoded whole, so kept small. */
  maxWholePixels: 6_000_000,
  /** Bytes one tenant's previews may download: a burst of four sources at the cap, then this per minute. */
  tenantBytesPerMinute: 20 * 1024 * 1024,
  /** Below this much free memory on the machine, previews are skipped. */
  minFreeMemory: 256 * 1024 * 1024,
};

/** The full preview, and the rougher one tried when the budget is short: quality and long side. */
const fullStep = (limits: PreviewLimits) => ({ quality: 75, side: limits.maxSide });
const roughStep = (limits: PreviewLimits) => ({ quality: 45, side: Math.round(limits.maxSide * 0.75) });

/**
 * Small previews of a result's images, fetched from fal's CDN through the same
 * address guard as upload_file. The bytes are refused before decoding when
 * they are not an image or their header says decoding would cost too much;
 * decoding happens in its own process, one image at a time (ImageDecoder).
 * Bounded per result (count, bytes, time), per tenant (two batches at a time,
 * a download budget) and per process (four batches); previews are cached by
 * URL, and so are failures, so checking a job again costs nothing.
 */
export class PreviewMaker {
  readonly #cache = new LruTtlCache<string, Buffer>(32, 60 * 60_000);
  readonly #failures = new LruTtlCache<string, string>(512, 10 * 60_000);
  readonly #slots = new ConcurrencyLimiter(2, 4);
  readonly #downloads = new MemoryStore();
  readonly #decoder: ImageDecoder;
  #downloaded = 0;

  constructor(
    private readonly deps: {
      allowHosts?: readonly string[];
      logger: Logger;
      limits?: Partial<PreviewLimits>;
      decoder?: ImageDecoder;
      /** Free memory on the machine (tests pretend it is short). */
      freeMemory?: () => number;
    },
  ) {
    this.#decoder = deps.decoder ?? new ImageDecoder({ logger: deps.logger });
  }

  get #limits(): PreviewLimits {
    return { ...PREVIEW_LIMITS, ...this.deps.limits };
  }

  /** Bytes read from preview sources so far, by every tenant (what a reflector could make it pull). */
  get downloadedBytes(): number {
    return this.#downloaded;
  }

  /** End the decoder process (shutdown). */
  close(): void {
    this.#decoder.close();
  }

  async make(media: readonly MediaFile[], tenant: string, signal: AbortSignal): Promise<PreviewBatch> {
    const limits = this.#limits;
    const images = media.filter((m) => m.kind === 'image' && /^https?:/.test(m.url));
    if (images.length === 0) return { images: [], notes: [] };
    const notes: string[] = [];
    if (images.length > limits.maxImages) {
      notes.push(`Previews show the first ${limits.maxImages} of ${images.length} images.`);
    }
    if ((this.deps.freeMemory ?? freemem)() < limits.minFreeMemory) {
      return { images: [], notes: ['No previews this time: the server is short of memory; the links work.'] };
    }
    const release = this.#slots.tryAcquire(tenant);
    if (!release) {
      return {
        images: [],
        notes: ['No previews this time (the server is busy making others); check_job shows them.'],
      };
    }
    const batch = deadline(limits.timeoutMs, signal);
    const due = batch.signal;
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
          const preview = await this.#preview(file, tenant, policy, limits, due, limits.totalBytes - spent);
          if (!preview) {
            notes.push(
              `No preview of ${file.field}: the ${limits.totalBytes / 1000} KB preview budget is spent.`,
            );
            continue;
          }
          spent += preview.data.length;
          out.push(preview);
        } catch (error) {
          const why = reason(error, due, limits.timeoutMs);
          notes.push(`No preview of ${file.field}: ${why}.`);
          // What the URL itself causes is remembered; a deadline or a busy server is not its fault.
          if (!due.aborted && !(error instanceof BudgetSpent) && !/busy/.test(why)) {
            this.#failures.set(file.url, why);
          }
          this.deps.logger.debug('preview failed', { field: file.field, error: String(error) });
        }
      }
      return { images: out, notes };
    } finally {
      batch.clear();
      release();
    }
  }

  async #preview(
    file: MediaFile,
    tenant: string,
    policy: FetchPolicy,
    limits: PreviewLimits,
    deadline: AbortSignal,
    room: number,
  ): Promise<Preview | undefined> {
    let source: Buffer | undefined;
    let best = this.#cache.get(file.url);
    if (!best) {
      const failed = this.#failures.get(file.url);
      if (failed) throw new UserError(failed);
      source = (await this.#download(file.url, tenant, policy, limits, deadline)).bytes;
      best = (await this.#decoder.decode(source, fullStep(limits), limits.maxPixels, deadline)).data;
      deadline.throwIfAborted();
      this.#cache.set(file.url, best);
    }
    let chosen = { data: best, ...(await this.#sizeOf(best, limits, deadline)) };
    if (base64Length(best) > room) {
      // Too big for what is left of the budget: smaller and rougher, from the source if still at hand.
      chosen = await this.#decoder.decode(source ?? best, roughStep(limits), limits.maxPixels, deadline);
      if (base64Length(chosen.data) > room) return undefined;
    }
    return {
      field: file.field,
      data: chosen.data.toString('base64'),
      mimeType: 'image/webp',
      width: chosen.width,
      height: chosen.height,
    };
  }

  /** The source image, charged to the tenant's download budget as it arrives. */
  async #download(
    url: string,
    tenant: string,
    policy: FetchPolicy,
    limits: PreviewLimits,
    deadline: AbortSignal,
  ) {
    const kib = (n: number) => Math.ceil(n / 1024);
    const burst = kib(limits.sourceBytes * limits.maxImages);
    const rate = kib(limits.tenantBytesPerMinute) / 60;
    // Room for a whole source is asked up front; what was not read is given back.
    if ((await this.#downloads.takeToken(tenant, rate, burst, kib(limits.sourceBytes))) > 0) {
      throw new BudgetSpent();
    }
    let read = 0;
    try {
      return await fetchPreviewSource(url, policy, limits, deadline, (n) => {
        read += n;
        this.#downloaded += n;
      });
    } finally {
      const unused = kib(limits.sourceBytes) - kib(read);
      if (unused > 0) await this.#downloads.takeToken(tenant, rate, burst, -unused);
    }
  }

  /** A cached preview's size: its WebP header says it, no decoding needed. */
  async #sizeOf(webp: Buffer, limits: PreviewLimits, deadline: AbortSignal) {
    const header = readImageHeader(webp);
    if (header.kind === 'image') return { width: header.header.width, height: header.header.height };
    const decoded = await this.#decoder.decode(webp, fullStep(limits), limits.maxPixels, deadline);
    return { width: decoded.width, height: decoded.height };
  }
}

/** This tenant's previews downloaded their share for now. */
class BudgetSpent extends UserError {
  constructor() {
    super(
      'previews for this key downloaded their share for now; the links work, and check_job shows previews later',
    );
  }
}

const base64Length = (bytes: Buffer) => Math.ceil(bytes.length / 3) * 4;

function reason(error: unknown, deadline: AbortSignal, timeoutMs: number): string {
  if (deadline.aborted) return `fetching and shrinking took longer than ${timeoutMs / 1000} s`;
  if (error instanceof UserError || error instanceof DecodeFailure) {
    const message = error.message.replace(/\.$/, '');
    return message.charAt(0).toLowerCase() + message.slice(1);
  }
  return 'the image could not be read';
}

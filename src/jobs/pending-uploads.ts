import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';
import { isObject } from '../lib/is-object.js';
import type { SharedStore } from '../store/store.js';
import { ignoreUnavailable } from './idempotency.js';

/** How long an upload slot is remembered when fal does not say when its URL expires. */
const DEFAULT_TTL_MS = 60 * 60_000;
const MAX_TTL_MS = 24 * 60 * 60_000;
const MAX_URLS = 50;

const keyOf = (fileUrl: string) => `upload-slot:${createHash('sha256').update(fileUrl).digest('hex')}`;

/**
 * File URLs this server handed out for uploads the caller makes itself
 * (upload_file with file_name): until the file is there, a job that uses one
 * would run, fail to download it and still be billed. A run whose input holds
 * one is checked first (a HEAD on the file URL) and refused until it exists;
 * once found, the slot is forgotten and never checked again. (A loop of calls
 * with a missing file costs one HEAD each, within the caller's rate limit.)
 */
export class PendingUploads {
  constructor(
    private readonly store: SharedStore,
    /** Whether a file is at a URL (a HEAD under the upload fetch rules). */
    private readonly exists: (url: string, signal?: AbortSignal) => Promise<boolean>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Remember a slot until its upload URL expires (fal's storage keeps an unfilled slot no longer). */
  async expect(fileUrl: string, expiresAt: Date | undefined): Promise<void> {
    const ttl = expiresAt ? expiresAt.getTime() - this.now() : DEFAULT_TTL_MS;
    if (ttl <= 0) return;
    await this.store.set(keyOf(fileUrl), '1', Math.min(ttl, MAX_TTL_MS)).catch(ignoreUnavailable);
  }

  /** Whether the file is there; a check that cannot be made refuses too (a guess could bill a failed run). */
  async #check(url: string, signal?: AbortSignal): Promise<boolean> {
    try {
      return await this.exists(url, signal);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new UserError(
        `Could not check whether the file for upload slot ${url} has arrived (${why}); nothing was submitted. Try again in a moment.`,
      );
    }
  }

  /** Refuse an input that uses a slot whose file has not been uploaded yet. */
  async assertUploaded(input: unknown, signal?: AbortSignal): Promise<void> {
    for (const url of urlsIn(input)) {
      const key = keyOf(url);
      if ((await this.store.get(key).catch(ignoreUnavailable)) === undefined) continue;
      if (await this.#check(url, signal)) {
        await this.store.delete(key).catch(ignoreUnavailable);
        continue;
      }
      throw new UserError(
        `${url} is an upload slot from upload_file, and the file is not there yet: run the upload command upload_file gave you first ` +
          '(curl, or the multipart script), then call again. Nothing was submitted.',
      );
    }
  }
}

/** The http(s) URLs in an input (each once, at most 50), wherever they are. */
function urlsIn(input: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, depth: number): void => {
    if (depth > 8 || found.size >= MAX_URLS) return;
    if (typeof value === 'string') {
      if (/^https?:\/\//i.test(value)) found.add(value);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (isObject(value)) {
      for (const item of Object.values(value)) visit(item, depth + 1);
    }
  };
  visit(input, 0);
  return [...found];
}

import type { KeyedCaller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import type { FalClient } from '../fal/client.js';
import { extensionForMime, mimeForExtension } from '../lib/mime.js';
import type { ConcurrencyLimiter } from '../limits/concurrency.js';
import type { Logger } from '../log.js';
import { type FetchPolicy, openPublicUrl, precheckPublicUrl } from '../net/safe-fetch.js';
import type { JobIndex } from './job-index.js';
import type { PendingUploads } from './pending-uploads.js';
import { multipartScript, singlePutCommand, uploadUrlExpiry } from './signed-upload.js';
import { initiateUpload, MULTIPART_ABOVE_BYTES, uploadSource } from './upload.js';
import { bufferSource, declaredSource, spooledSource, type UploadSource } from './upload-source.js';

const extOf = (name: string | undefined) =>
  name ? /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() : undefined;

export interface UploadRequest {
  /** A public URL to copy, or the file's bytes as base64 (one of them). */
  url?: string | undefined;
  dataBase64?: string | undefined;
  contentType?: string | undefined;
  fileName?: string | undefined;
  expirationSeconds?: number | undefined;
}

export interface CopiedFile {
  url: string;
  content_type: string;
  file_name: string;
  size: number;
  /** Sent in this many parts (multipart, above 90 MiB). */
  parts?: number | undefined;
  /** When fal deletes it (the lifetime asked for), ISO time. */
  expires_at?: string | undefined;
}

export interface IssuedUpload {
  /** Where the file will be once the caller has sent it. */
  file_url: string;
  upload_url: string;
  /** The command that sends it (curl, or a multipart script above 90 MiB). */
  command: string;
  multipart: boolean;
  content_type: string;
  file_name: string;
  expires?: Date | undefined;
}

/**
 * Files onto fal's CDN for file inputs: copied from a public URL or from bytes
 * the caller sent (streamed or spooled, never held whole above one part), or an
 * upload URL handed to the caller with the command that fills it, for a file on
 * their own disk. Each tenant has a few uploads at a time; every upload is
 * remembered (list_jobs) and written to the audit log.
 */
export class UploadService {
  constructor(
    private readonly deps: {
      fal: FalClient;
      fetchPolicy: FetchPolicy;
      slots: ConcurrencyLimiter;
      pending: PendingUploads;
      /** Where the tenant's uploads are noted (list_jobs, delete_payloads say they stay, and until when). */
      index: JobIndex;
      logger: Logger;
    },
  ) {}

  async copy(req: UploadRequest, caller: KeyedCaller, signal: AbortSignal): Promise<CopiedFile> {
    const { fal, fetchPolicy } = this.deps;
    const inline =
      req.dataBase64 === undefined ? undefined : decodeBase64(req.dataBase64, fetchPolicy.maxBytes);
    if (req.url !== undefined) precheckPublicUrl(req.url, fetchPolicy);
    const release = this.deps.slots.tryAcquire(caller.tenant);
    if (!release) {
      throw new UserError(
        `Too many uploads are running (at most ${this.deps.slots.max} per key); retry when one has finished.`,
      );
    }
    try {
      const named = req.fileName ?? (req.url !== undefined ? nameFromUrl(req.url) : undefined);
      let contentType = req.contentType ?? mimeForExtension(extOf(named));
      if (inline && !contentType) {
        throw new UserError('Give content_type (e.g. image/png): it could not be inferred.');
      }
      const guessed = contentType ?? 'application/octet-stream';
      const fileName = named ?? `upload.${extensionForMime(guessed) ?? 'bin'}`;
      const { expirationSeconds } = req;
      // The key is checked (fal's initiate) before anything is downloaded.
      let single = await initiateUpload(
        fal,
        caller,
        { contentType: guessed, fileName, expirationSeconds },
        signal,
      );
      let source: UploadSource;
      if (inline) {
        source = bufferSource(inline);
      } else {
        const opened = await openPublicUrl(req.url ?? '', fetchPolicy, signal);
        const served = opened.contentType?.split(';')[0]?.trim();
        if (!contentType && served && /^[\w.+-]+\/[\w.+-]+$/.test(served)) {
          contentType = served;
          if (served !== guessed) {
            single = await initiateUpload(
              fal,
              caller,
              { contentType: served, fileName, expirationSeconds },
              signal,
            );
          }
        }
        if (!contentType || opened.declaredBytes === 0) {
          opened.body.destroy();
          throw new UserError(
            contentType
              ? 'The URL answered with an empty file; nothing was uploaded.'
              : 'Give content_type (e.g. image/png): it could not be inferred.',
          );
        }
        // A declared length that fits one PUT streams straight through; anything else is spooled to disk first.
        source =
          opened.declaredBytes !== undefined && opened.declaredBytes <= MULTIPART_ABOVE_BYTES
            ? declaredSource(opened.body, opened.declaredBytes)
            : await spooledSource(opened.body, signal);
      }
      let uploaded: Awaited<ReturnType<typeof uploadSource>>;
      try {
        const file = { contentType: contentType ?? guessed, fileName, single, expirationSeconds };
        uploaded = await uploadSource(fal, caller, source, file, signal);
      } finally {
        await source.dispose();
      }
      const expiresAt = await this.#remember(caller, {
        url: uploaded.url,
        content_type: uploaded.content_type,
        size: uploaded.size,
        expirationSeconds,
        how: 'uploaded',
      });
      const { part_retries: _, ...file } = uploaded;
      return { ...file, ...(expiresAt ? { expires_at: expiresAt } : {}) };
    } finally {
      release();
    }
  }

  /**
   * For a file on the caller's own disk: a slot from fal's storage, handed over with
   * the command that fills it (above 90 MiB, a multipart script). The server sees
   * neither the file nor its bytes.
   */
  async issue(
    req: {
      fileName: string;
      contentType?: string | undefined;
      size?: number | undefined;
      expirationSeconds?: number | undefined;
    },
    caller: KeyedCaller,
    signal: AbortSignal,
  ): Promise<IssuedUpload> {
    const contentType = req.contentType ?? mimeForExtension(extOf(req.fileName));
    if (!contentType) {
      throw new UserError(
        `Give content_type (e.g. image/png): it could not be inferred from ${req.fileName}.`,
      );
    }
    const multipart = req.size !== undefined && req.size > MULTIPART_ABOVE_BYTES;
    const file = { contentType, fileName: req.fileName, multipart, expirationSeconds: req.expirationSeconds };
    const target = await initiateUpload(this.deps.fal, caller, file, signal);
    if (!this.deps.fal.trustsUploadUrl(target.upload_url)) {
      throw new UserError(
        "fal's storage returned an upload URL outside fal's own hosts; not handing it out.",
      );
    }
    const command = multipart
      ? multipartScript(req.fileName, target.upload_url, req.size ?? 0)
      : singlePutCommand(req.fileName, contentType, target.upload_url);
    const expires = uploadUrlExpiry(target.upload_url);
    // Until the caller has run the command, a job given this URL would fail at fal after billing.
    await this.deps.pending.expect(target.file_url, expires);
    await this.#remember(caller, {
      url: target.file_url,
      content_type: contentType,
      size: req.size,
      expirationSeconds: req.expirationSeconds,
      how: 'upload_url_issued',
    });
    return {
      file_url: target.file_url,
      upload_url: target.upload_url,
      command,
      multipart,
      content_type: contentType,
      file_name: req.fileName,
      expires,
    };
  }

  /** The upload in the audit log and the tenant's index; its expiry (ISO) when a lifetime was asked for. */
  async #remember(
    caller: KeyedCaller,
    file: {
      url: string;
      content_type: string;
      size?: number | undefined;
      expirationSeconds?: number | undefined;
      /** Sent through this server, or an upload URL handed to the caller (the bytes may never come). */
      how: 'uploaded' | 'upload_url_issued';
    },
  ): Promise<string | undefined> {
    this.deps.logger.audit('upload', {
      tenant: caller.tenant,
      tool: 'upload_file',
      outcome: file.how,
      content_type: file.content_type,
      size: file.size,
    });
    const at = Date.now();
    const expiresAt = file.expirationSeconds !== undefined ? at + file.expirationSeconds * 1000 : undefined;
    await this.deps.index.add(caller.tenant, {
      kind: 'upload',
      url: file.url,
      content_type: file.content_type,
      ...(file.size !== undefined ? { size: file.size } : {}),
      at,
      ...(expiresAt !== undefined ? { expires_at: expiresAt } : {}),
    });
    return expiresAt !== undefined ? new Date(expiresAt).toISOString() : undefined;
  }
}

function decodeBase64(raw: string, maxBytes: number): Buffer {
  const data = raw.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(data)) throw new UserError('data_base64 is not valid base64.');
  const bytes = Buffer.from(data, 'base64');
  if (bytes.byteLength === 0) throw new UserError('data_base64 decodes to an empty file.');
  if (bytes.byteLength > maxBytes) {
    throw new UserError(`The file is ${bytes.byteLength} bytes; the limit is ${maxBytes}.`);
  }
  return bytes;
}

function nameFromUrl(raw: string): string | undefined {
  try {
    const last = decodeURIComponent(new URL(raw).pathname.split('/').pop() ?? '');
    return /^[\w. -]{1,200}$/.test(last) ? last : undefined;
  } catch {
    return undefined;
  }
}

import * as v from 'valibot';
import type { KeyedCaller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import { extensionForMime, mimeForExtension } from '../jobs/results.js';
import { multipartScript, singlePutCommand, uploadUrlExpiry } from '../jobs/signed-upload.js';
import { initiateUpload, MULTIPART_ABOVE_BYTES, type UploadedFile, uploadSource } from '../jobs/upload.js';
import { bufferSource, declaredSource, spooledSource, type UploadSource } from '../jobs/upload-source.js';
import { serverChecked, unlisted } from '../lib/schema-marks.js';
import type { ToolOutput } from '../lib/tool-output.js';
import { STORES_FILE } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { openPublicUrl, precheckPublicUrl } from '../net/safe-fetch.js';
import type { Services } from '../services.js';
import { JobParams } from './job-params.js';

const extOf = (name: string | undefined) =>
  name ? /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() : undefined;

const UploadOutput = v.object({
  url: v.string(),
  content_type: v.pipe(v.string(), unlisted()),
  file_name: v.pipe(v.string(), unlisted()),
  /** Bytes uploaded (absent when the caller uploads the file itself). */
  size: v.optional(v.pipe(v.number(), unlisted())),
  /** For a file the caller sends itself: where to PUT it, and the command that does. */
  upload_url: v.optional(v.string()),
  upload_command: v.optional(v.string()),
  expires_at: v.optional(v.pipe(v.string(), unlisted())),
});
type UploadOutput = v.InferInput<typeof UploadOutput>;

export const uploadFileTool = defineTool({
  name: 'upload_file',
  title: 'Upload a file to fal',
  group: 'execution',
  description:
    "Put a file on fal's CDN; get a URL for file inputs. This server cannot read your disk: give a public url to copy, data_base64 + content_type (small files), or file_name (+ size) for an upload URL and the command to run.",
  input: v.object({
    url: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.minLength(1),
        v.maxLength(4096),
        serverChecked(),
        v.description('To copy.'),
      ),
    ),
    data_base64: v.optional(v.pipe(v.string(), v.minLength(1), serverChecked(), v.description('The bytes.'))),
    content_type: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.regex(/^[\w.+-]+\/[\w.+-]+$/, 'a MIME type such as image/png'),
        serverChecked(),
        v.description('MIME type.'),
      ),
    ),
    file_name: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.regex(/^[\w. -]{1,200}$/, 'a plain file name such as photo.png'),
        serverChecked(),
        v.description('Name.'),
      ),
    ),
    size: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(1), serverChecked(), v.description('Bytes.')),
    ),
    expiration_seconds: JobParams.expiration_seconds,
  }),
  output: UploadOutput,
  annotations: STORES_FILE,
  needsKey: 'any',
  synonyms: { mime_type: 'content_type', filename: 'file_name', base64: 'data_base64', data: 'data_base64' },
  async handler(args, caller, { services, signal }) {
    if (args.url !== undefined && args.data_base64 !== undefined) {
      throw new UserError('Give one of url or data_base64, not both.');
    }
    if (args.url === undefined && args.data_base64 === undefined) {
      return signedUpload(args, caller, services, signal);
    }
    const inline = args.data_base64 === undefined ? undefined : decodeBase64(args.data_base64, services);
    if (args.url !== undefined) precheckPublicUrl(args.url, services.fetchPolicy);
    const release = services.uploads.tryAcquire(caller.tenant);
    if (!release) {
      throw new UserError(
        `Too many uploads are running (at most ${services.uploads.max} per key); retry when one has finished.`,
      );
    }
    try {
      const named = args.file_name ?? (args.url !== undefined ? nameFromUrl(args.url) : undefined);
      let contentType = args.content_type ?? mimeForExtension(extOf(named));
      if (inline && !contentType) {
        throw new UserError('Give content_type (e.g. image/png): it could not be inferred.');
      }
      const guessed = contentType ?? 'application/octet-stream';
      const fileName = named ?? `upload.${extensionForMime(guessed) ?? 'bin'}`;
      const expirationSeconds = args.expiration_seconds;
      // The key is checked (fal's initiate) before anything is downloaded.
      let single = await initiateUpload(
        services.fal,
        caller,
        { contentType: guessed, fileName, expirationSeconds },
        signal,
      );
      let source: UploadSource;
      if (inline) {
        source = bufferSource(inline);
      } else {
        const opened = await openPublicUrl(args.url ?? '', services.fetchPolicy, signal);
        const served = opened.contentType?.split(';')[0]?.trim();
        if (!contentType && served && /^[\w.+-]+\/[\w.+-]+$/.test(served)) {
          contentType = served;
          if (served !== guessed) {
            single = await initiateUpload(
              services.fal,
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
      let uploaded: UploadedFile;
      try {
        const file = { contentType: contentType ?? guessed, fileName, single, expirationSeconds };
        uploaded = await uploadSource(services.fal, caller, source, file, signal);
      } finally {
        await source.dispose();
      }
      const { parts, part_retries: _, ...rest } = uploaded;
      const how = parts ? `, in ${parts} parts` : '';
      const expiresAt = await services.history.rememberUpload(caller, {
        url: uploaded.url,
        content_type: uploaded.content_type,
        size: uploaded.size,
        expirationSeconds,
        how: 'uploaded',
      });
      const structured = { ...rest, ...(expiresAt ? { expires_at: expiresAt } : {}) };
      return {
        structured,
        text: `Uploaded ${uploaded.file_name} (${uploaded.size} bytes, ${uploaded.content_type}${how}): ${uploaded.url}${expiresAt ? ` (fal deletes it at ${expiresAt})` : ''}`,
        links: [{ url: uploaded.url, name: uploaded.file_name, mimeType: uploaded.content_type }],
      };
    } finally {
      release();
    }
  },
});

function decodeBase64(raw: string, services: { fetchPolicy: { maxBytes: number } }): Buffer {
  const data = raw.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(data)) throw new UserError('data_base64 is not valid base64.');
  const bytes = Buffer.from(data, 'base64');
  if (bytes.byteLength === 0) throw new UserError('data_base64 decodes to an empty file.');
  if (bytes.byteLength > services.fetchPolicy.maxBytes) {
    throw new UserError(
      `The file is ${bytes.byteLength} bytes; the limit is ${services.fetchPolicy.maxBytes}.`,
    );
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

/**
 * For a file on the caller's own disk: a slot from fal's storage, handed over with
 * the command that fills it (above 90 MiB, a multipart script). The server sees
 * neither the file nor its bytes.
 */
async function signedUpload(
  args: {
    file_name?: string | undefined;
    content_type?: string | undefined;
    size?: number | undefined;
    expiration_seconds?: number | undefined;
  },
  caller: KeyedCaller,
  services: Services,
  signal: AbortSignal,
): Promise<ToolOutput<UploadOutput>> {
  if (!args.file_name) {
    throw new UserError(
      'Give url (a public file to copy), data_base64 (small files), or file_name (a file on your disk: you get an upload URL and a curl command).',
    );
  }
  const contentType = args.content_type ?? mimeForExtension(extOf(args.file_name));
  if (!contentType)
    throw new UserError(
      `Give content_type (e.g. image/png): it could not be inferred from ${args.file_name}.`,
    );
  const multipart = args.size !== undefined && args.size > MULTIPART_ABOVE_BYTES;
  const file = {
    contentType,
    fileName: args.file_name,
    multipart,
    expirationSeconds: args.expiration_seconds,
  };
  const target = await initiateUpload(services.fal, caller, file, signal);
  if (!services.fal.trustsUploadUrl(target.upload_url)) {
    throw new UserError("fal's storage returned an upload URL outside fal's own hosts; not handing it out.");
  }
  const command = multipart
    ? multipartScript(args.file_name, target.upload_url, args.size ?? 0)
    : singlePutCommand(args.file_name, contentType, target.upload_url);
  const expires = uploadUrlExpiry(target.upload_url);
  // Until the caller has run the command, a job given this URL would fail at fal after billing.
  await services.pendingUploads.expect(target.file_url, expires);
  await services.history.rememberUpload(caller, {
    url: target.file_url,
    content_type: contentType,
    size: args.size,
    expirationSeconds: args.expiration_seconds,
    how: 'upload_url_issued',
  });
  const until = expires
    ? `the upload URL works until ${expires.toISOString()}`
    : "fal's storage does not say when the upload URL expires: use it soon";
  return {
    structured: {
      url: target.file_url,
      content_type: contentType,
      file_name: args.file_name,
      upload_url: target.upload_url,
      upload_command: command,
      ...(expires ? { expires_at: expires.toISOString() } : {}),
    },
    text: [
      multipart
        ? `Send the file in 10 MiB parts from your machine (run this where ${args.file_name} is; ${until}):`
        : `Send the file from your machine (run this where ${args.file_name} is; one file, ${until}${args.size === undefined ? '; above 90 MiB, call again with size for a multipart upload' : ''}):`,
      command,
      `Once it succeeds, the file is at ${target.file_url}: pass that URL to the model.`,
    ].join('\n'),
  };
}

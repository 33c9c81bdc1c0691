import * as v from 'valibot';
import { UserError } from '../errors.js';
import type { IssuedUpload } from '../jobs/upload-service.js';
import { serverChecked, unlisted } from '../lib/schema-marks.js';
import type { ToolOutput } from '../lib/tool-output.js';
import { STORES_FILE } from './annotations.js';
import { defineTool } from './define-tool.js';
import { JobParams } from './job-params.js';

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
      if (!args.file_name) {
        throw new UserError(
          'Give url (a public file to copy), data_base64 (small files), or file_name (a file on your disk: you get an upload URL and a curl command).',
        );
      }
      const issued = await services.uploads.issue(
        {
          fileName: args.file_name,
          contentType: args.content_type,
          size: args.size,
          expirationSeconds: args.expiration_seconds,
        },
        caller,
        signal,
      );
      return issuedOutput(issued, args.size);
    }
    const copied = await services.uploads.copy(
      {
        url: args.url,
        dataBase64: args.data_base64,
        contentType: args.content_type,
        fileName: args.file_name,
        expirationSeconds: args.expiration_seconds,
      },
      caller,
      signal,
    );
    const { parts, ...structured } = copied;
    const how = parts ? `, in ${parts} parts` : '';
    const until = copied.expires_at ? ` (fal deletes it at ${copied.expires_at})` : '';
    return {
      structured,
      text: `Uploaded ${copied.file_name} (${copied.size} bytes, ${copied.content_type}${how}): ${copied.url}${until}`,
      links: [{ url: copied.url, name: copied.file_name, mimeType: copied.content_type }],
    };
  },
});

/** An upload URL for a file on the caller's disk, with the command to run where the file is. */
function issuedOutput(issued: IssuedUpload, size: number | undefined): ToolOutput<UploadOutput> {
  const until = issued.expires
    ? `the upload URL works until ${issued.expires.toISOString()}`
    : "fal's storage does not say when the upload URL expires: use it soon";
  return {
    structured: {
      url: issued.file_url,
      content_type: issued.content_type,
      file_name: issued.file_name,
      upload_url: issued.upload_url,
      upload_command: issued.command,
      ...(issued.expires ? { expires_at: issued.expires.toISOString() } : {}),
    },
    text: [
      issued.multipart
        ? `Send the file in 10 MiB parts from your machine (run this where ${issued.file_name} is; ${until}):`
        : `Send the file from your machine (run this where ${issued.file_name} is; one file, ${until}${size === undefined ? '; above 90 MiB, call again with size for a multipart upload' : ''}):`,
      issued.command,
      `Once it succeeds, the file is at ${issued.file_url}: pass that URL to the model.`,
    ].join('\n'),
  };
}

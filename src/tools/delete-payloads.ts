import * as v from 'valibot';
import { DELETES } from '../mcp/annotations.js';
import { defineTool } from '../mcp/define-tool.js';
import { JobParams } from './job-params.js';

export const deletePayloadsTool = defineTool({
  name: 'delete_payloads',
  title: "Delete a job's stored files",
  group: 'execution',
  description:
    "Permanently delete a finished request's stored payloads and output files (their links stop working), " +
    'e.g. for private results; upload_file uploads stay. Says which files were and were not deleted. Needs an ' +
    'admin fal key and confirm: true.',
  input: v.object({
    request_id: JobParams.request_id,
    confirm: v.pipe(v.literal(true), v.description('Must be true: the deletion cannot be undone.')),
  }),
  output: v.object({
    request_id: v.string(),
    deleted: v.array(v.string()),
    failed: v.array(v.object({ link: v.string(), error: v.string() })),
  }),
  annotations: DELETES,
  needsKey: 'admin',
  synonyms: { id: 'request_id' },
  async handler(args, caller, { services, signal }) {
    const report = await services.payloads.delete(caller, args.request_id, signal);
    const lines = [
      `Request ${report.request_id}: deleted ${report.deleted.length} file(s) at fal${report.failed.length ? `, ${report.failed.length} could not be deleted` : ''}.`,
      ...report.deleted.map((link) => `- deleted ${link}`),
      ...report.failed.map((f) => `- NOT deleted ${f.link}: ${f.error}`),
      'Inputs you uploaded with upload_file are not deleted by this; results kept by this server were dropped.',
    ];
    return { structured: report, text: lines.join('\n') };
  },
});

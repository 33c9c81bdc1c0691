import * as v from 'valibot';
import { UserError } from '../errors.js';
import type { ListedUpload } from '../jobs/history-view.js';
import type { BulkDeletion } from '../jobs/payloads.js';
import { unlisted } from '../lib/schema-marks.js';
import { DESTRUCTIVE } from './annotations.js';
import { defineTool } from './define-tool.js';
import { JobParams } from './job-params.js';
import { SinceParam, sinceOf } from './list-jobs.js';

/** fal deletes one request per call; this many per tool call keeps an answer (and a mistake) bounded. */
const MAX_IDS = 50;

export const deletePayloadsTool = defineTool({
  name: 'delete_payloads',
  title: "Delete jobs' stored files",
  group: 'execution',
  description:
    "Permanently delete finished jobs' stored inputs, outputs and files (links stop working): request_id, request_ids (≤50) or since (all your jobs since then). Reports each; uploads stay. Needs an admin fal key and confirm: true.",
  input: v.object({
    request_id: v.optional(JobParams.request_id),
    request_ids: v.optional(
      v.pipe(v.array(JobParams.request_id), v.minLength(1), v.maxLength(MAX_IDS), v.description('Several.')),
    ),
    since: v.optional(SinceParam),
    confirm: v.pipe(v.literal(true), v.description('Must be true: the deletion cannot be undone.')),
  }),
  output: v.object({
    request_id: v.optional(v.string()),
    deleted: v.array(v.string()),
    failed: v.array(v.object({ link: v.string(), error: v.string() })),
    results: v.pipe(v.array(v.looseObject({ request_id: v.string(), outcome: v.string() })), unlisted()),
  }),
  annotations: DESTRUCTIVE,
  needsKey: 'admin',
  synonyms: { id: 'request_id', ids: 'request_ids' },
  async handler(args, caller, { services, signal }) {
    const given = [args.request_id, args.request_ids, args.since].filter((a) => a !== undefined).length;
    if (given !== 1) {
      throw new UserError(
        'Give exactly one of request_id, request_ids (up to 50) or since (e.g. 24h); nothing was deleted.',
      );
    }
    if (args.request_id !== undefined) {
      // One request: its refusal is the answer (as it always was).
      const report = await services.payloads.delete(caller, args.request_id, signal);
      return {
        structured: { ...report, results: [{ ...report, outcome: 'deleted' }] },
        text: [...reportLines({ ...report, outcome: 'deleted' }), UPLOADS_STAY].join('\n'),
      };
    }
    const head: string[] = [];
    let ids = args.request_ids ?? [];
    let uploads: ListedUpload[] = [];
    const skipped: BulkDeletion[] = [];
    if (args.since !== undefined) {
      const notes: string[] = [];
      const since = sinceOf(args.since, notes);
      const listing = await services.history.list(caller, { since, limit: MAX_IDS }, signal);
      uploads = listing.uploads;
      head.push(
        `Your jobs since ${new Date(since).toISOString()}: ${listing.jobs.length}${listing.more ? ` (the newest ${MAX_IDS}; call again for the rest)` : ''}.`,
        ...notes,
        ...listing.notes,
      );
      for (const job of listing.jobs) {
        if (job.status === 'IN_QUEUE' || job.status === 'IN_PROGRESS') {
          skipped.push({
            request_id: job.request_id,
            outcome: 'refused',
            deleted: [],
            failed: [],
            reason: `still ${job.status === 'IN_QUEUE' ? 'queued' : 'running'}: cancel it (cancel_job) or delete it once it ends`,
          });
        } else ids = [...ids, job.request_id];
      }
    }
    const results = [...(await services.payloads.deleteMany(caller, ids, signal)), ...skipped];
    const deleted = results.flatMap((r) => r.deleted);
    const failed = results.flatMap((r) => r.failed);
    const count = (o: BulkDeletion['outcome']) => results.filter((r) => r.outcome === o).length;
    const lines = [
      ...head,
      `Deleted ${count('deleted')} job(s) (${deleted.length} file(s)); already gone ${count('already_gone')}; refused ${count('refused')}; failed ${count('failed')}.`,
      ...results.flatMap(reportLines),
      uploads.length > 0
        ? `${uploads.length} file(s) you uploaded here in that window stay: fal offers no way to delete uploads. ${uploads.map((u) => `${u.url} (${u.expires_at ? `expires ${u.expires_at}` : "your account's storage default"})`).join('; ')}.`
        : UPLOADS_STAY,
    ];
    return { structured: { deleted, failed, results }, text: lines.join('\n') };
  },
});

const UPLOADS_STAY =
  'Files uploaded with upload_file are not deleted by this (fal offers no way to): they expire as set by expiration_seconds, or by your account default. Results kept by this server for these jobs were dropped.';

function reportLines(report: BulkDeletion): string[] {
  switch (report.outcome) {
    case 'deleted':
      return [
        `Request ${report.request_id}: deleted ${report.deleted.length} file(s) at fal${report.failed.length ? `, ${report.failed.length} could not be deleted` : ''}.`,
        ...report.deleted.map((link) => `- deleted ${link}`),
        ...report.failed.map((f) => `- NOT deleted ${f.link}: ${f.error}`),
      ];
    case 'already_gone':
      return [
        `Request ${report.request_id}: already gone at fal (deleted before, expired, or another key's).`,
      ];
    default:
      return [
        `Request ${report.request_id}: ${report.outcome === 'refused' ? 'refused' : 'failed'}: ${report.reason ?? ''}`,
      ];
  }
}

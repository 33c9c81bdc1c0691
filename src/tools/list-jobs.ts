import * as v from 'valibot';
import { UserError } from '../errors.js';
import type { ListedJob } from '../jobs/history-view.js';
import { parseSince, windowStart } from '../jobs/history-view.js';
import type { JobListing } from '../jobs/job-history.js';
import { serverChecked, unlisted } from '../lib/schema-marks.js';
import { READS } from './annotations.js';
import { defineTool } from './define-tool.js';
import { ModelNameParam } from './params.js';

/** `since` as list_jobs and delete_payloads take it. */
export const SinceParam = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1),
  v.maxLength(40),
  v.description('ISO time or span back (24h, 7d).'),
  serverChecked(),
);

/** The epoch ms a `since` argument means (default 24 h back), with a note when it was moved into fal's window. */
export function sinceOf(raw: string | undefined, notes: string[]): number {
  const now = Date.now();
  if (raw === undefined) return windowStart(undefined, now, notes);
  const at = parseSince(raw, now);
  if (at === undefined) {
    throw new UserError(
      `since "${raw}" is neither an ISO date or time (2026-12-01, 2026-12-01T09:00Z) nor a span back from now (30m, 24h, 7d, 2w).`,
    );
  }
  return windowStart(at, now, notes);
}

export const listJobsTool = defineTool({
  name: 'list_jobs',
  title: 'List your fal jobs and history',
  group: 'execution',
  description:
    'Your jobs, newest first (default: last 24 h), also those run elsewhere with your key: request_id, model, status, time, cost estimate, media links. query finds past work by meaning ("the red car").',
  input: v.object({
    since: v.optional(SinceParam),
    status: v.optional(
      v.pipe(
        v.picklist(['pending', 'completed', 'failed', 'cancelled']),
        v.description('pending: queued or running.'),
      ),
    ),
    model: v.optional(ModelNameParam),
    query: v.optional(
      v.pipe(
        v.string(),
        v.trim(),
        v.minLength(1),
        v.maxLength(500),
        serverChecked(),
        v.description('By meaning.'),
      ),
    ),
    limit: v.optional(
      v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100), v.description('Results.')),
      20,
    ),
  }),
  output: v.object({
    jobs: v.array(v.looseObject({ request_id: v.string(), model: v.string(), status: v.string() })),
    uploads: v.pipe(v.array(v.looseObject({ url: v.string() })), unlisted()),
    since: v.pipe(v.string(), unlisted()),
    more: v.pipe(v.boolean(), unlisted()),
    notes: v.pipe(v.array(v.string()), unlisted()),
  }),
  annotations: READS,
  needsKey: 'any',
  showsMedia: true,
  synonyms: { from: 'since', after: 'since', search: 'query', endpoint_id: 'model', max: 'limit' },
  async handler(args, caller, { services, signal }) {
    const notes: string[] = [];
    const since = sinceOf(args.since, notes);
    const model = args.model ? await services.jobs.resolveModelName(args.model) : undefined;
    const listing = await services.history.list(
      caller,
      { since, status: args.status, model, query: args.query, limit: args.limit },
      signal,
    );
    listing.notes.unshift(...notes);
    const from = new Date(since).toISOString();
    return {
      structured: { ...listing, since: from },
      text: listingText(listing, from, args.query),
    };
  },
});

function listingText(listing: JobListing, from: string, query: string | undefined): string {
  const { jobs, uploads } = listing;
  const head = query
    ? `${jobs.length} job(s) since ${from} matching "${query}", nearest first`
    : `${jobs.length} job(s) since ${from}, newest first${listing.more ? ' (more: raise limit or narrow since)' : ''}`;
  const lines = [`${head}${jobs.length ? ':' : '.'}`, ...jobs.map(jobLine)];
  if (uploads.length > 0) {
    lines.push(
      `${uploads.length} file(s) uploaded here (fal offers no way to delete uploads: each stays until it expires):`,
      ...uploads.map(
        (u) =>
          `- ${u.uploaded_at} ${u.content_type} ${u.url} (${u.expires_at ? `expires ${u.expires_at}` : "kept by your fal account's storage default"})`,
      ),
    );
  }
  if (jobs.length === 0 && !query) lines.push('Nothing was run with this key in that window.');
  lines.push(...listing.notes);
  return lines.join('\n');
}

function jobLine(job: ListedJob): string {
  const parts = [
    `- ${job.submitted_at.replace('.000Z', 'Z')}`,
    job.model,
    job.status,
    job.request_id,
    ...(job.estimated_cost_usd !== undefined ? [`~$${job.estimated_cost_usd}`] : []),
    ...(job.duration_seconds !== undefined ? [`${job.duration_seconds} s`] : []),
    ...(job.similarity !== undefined ? [`similarity ${job.similarity}`] : []),
    ...(job.payloads_deleted ? ['files deleted'] : []),
  ];
  const prompt = job.prompt ? ` "${job.prompt}"` : '';
  const media = job.media.length ? `\n  ${job.media.map((m) => `${m.kind}: ${m.url}`).join('\n  ')}` : '';
  return `${parts.join(' · ')}${prompt}${media}`;
}

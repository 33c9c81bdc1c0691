import { UserError } from '../errors.js';
import type { HistoryItem } from '../fal/history.js';
import { isObject } from '../lib/is-object.js';
import type { UploadEntry } from './job-index.js';
import type { MediaFile, Outcome } from './job-record.js';
import { failureOutcome } from './job-view.js';
import { mapOutput } from './results.js';

export type ListedStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'UNKNOWN';

/** One of the caller's jobs as list_jobs shows it. */
export type ListedJob = {
  request_id: string;
  model: string;
  status: ListedStatus;
  /** ISO 8601. */
  submitted_at: string;
  duration_seconds?: number;
  estimated_cost_usd?: number;
  /** The tool that started it, when it was started here. */
  tool?: string;
  /** The start of its prompt or text, when fal stored the input. */
  prompt?: string;
  media: Pick<MediaFile, 'url' | 'kind' | 'mime_type' | 'field'>[];
  /** Its stored inputs, outputs and files were deleted (delete_payloads). */
  payloads_deleted?: boolean;
  /** How close it is to the query (fal's semantic search), 0–1. */
  similarity?: number;
  /** Where it was found: this server's records, fal's request history, or both. */
  source: 'here' | 'fal' | 'both';
};

/** fal keeps request payloads 30 days: the furthest back a listing can reach. */
export const HISTORY_WINDOW_MS = 30 * 86_400_000;

export type StatusFilter = 'pending' | 'completed' | 'failed' | 'cancelled';

export function matchesStatus(status: ListedStatus, filter: StatusFilter | undefined): boolean {
  switch (filter) {
    case undefined:
      return true;
    case 'pending':
      return status === 'IN_QUEUE' || status === 'IN_PROGRESS' || status === 'UNKNOWN';
    default:
      return status === filter.toUpperCase();
  }
}

/** fal's history has no status word: a request without an end is still queued or running. */
export function statusOfItem(item: HistoryItem): ListedStatus {
  if (!item.ended_at && (item.status_code === null || item.status_code === undefined)) {
    return item.started_at ? 'IN_PROGRESS' : 'IN_QUEUE';
  }
  const code = item.status_code ?? 200;
  if (code < 400) return 'COMPLETED';
  return /cancel/i.test(JSON.stringify(item.json_output ?? '')) ? 'CANCELLED' : 'FAILED';
}

export function timeOf(iso: string | null | undefined): number | undefined {
  if (!iso) return undefined;
  const at = Date.parse(iso);
  return Number.isNaN(at) ? undefined : at;
}

/** The first words of what was asked (prompt, text, lyrics), to tell jobs apart. */
export function promptOf(input: unknown): string | undefined {
  if (!isObject(input)) return undefined;
  for (const field of ['prompt', 'text', 'lyrics', 'query']) {
    const value = input[field];
    if (typeof value === 'string' && value.trim()) {
      const text = value.trim().replace(/\s+/g, ' ');
      return text.length > 120 ? `${text.slice(0, 119)}…` : text;
    }
  }
  return undefined;
}

/** The media of a stored output, as a compact list. */
export function mediaOfOutput(output: unknown): ListedJob['media'] {
  return isObject(output) ? compactMedia(mapOutput(output).media) : [];
}

export function compactMedia(media: readonly MediaFile[]): ListedJob['media'] {
  return media.map((m) => ({
    url: m.url,
    kind: m.kind,
    field: m.field,
    ...(m.mime_type ? { mime_type: m.mime_type } : {}),
  }));
}

/** A request fal's history holds with its payload, as the outcome check_job would have kept. */
export function outcomeOfItem(item: HistoryItem): Outcome | undefined {
  const status = statusOfItem(item);
  const output = isObject(item.json_output) ? item.json_output : undefined;
  if (status === 'COMPLETED') {
    if (!output) return undefined;
    const mapped = mapOutput(output);
    return {
      status: 'COMPLETED',
      result: mapped.output,
      media: mapped.media,
      ...(typeof item.duration === 'number' ? { inference_seconds: item.duration } : {}),
      notes: ["fal's queue no longer had this result; it comes from fal's request history."],
      keptAt: Date.now(),
    };
  }
  if (status === 'FAILED' || status === 'CANCELLED') {
    const detail = output?.detail;
    const error =
      typeof detail === 'string' ? detail : `the request ended with status ${item.status_code ?? 'unknown'}`;
    return failureOutcome(error, typeof output?.error_type === 'string' ? output.error_type : undefined);
  }
  return undefined;
}

/** `since` as the caller may write it: an ISO date or date-time, or a span back from now ("24h", "7d"). */
export function parseSince(since: string, now: number): number | undefined {
  const span = /^(\d{1,5})\s*(m|min|h|d|w)$/i.exec(since.trim());
  if (span?.[1] && span[2]) {
    const unit = { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
      span[2].toLowerCase() as 'm' | 'min' | 'h' | 'd' | 'w'
    ];
    return now - Number(span[1]) * unit;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(since.trim())) return undefined;
  return timeOf(since.trim());
}

export type ListedUpload = {
  url: string;
  content_type: string;
  size?: number;
  uploaded_at: string;
  expires_at?: string;
};

export function listedFromFal(item: HistoryItem): ListedJob {
  const prompt = promptOf(item.json_input);
  return {
    request_id: item.request_id,
    model: item.endpoint_id,
    status: statusOfItem(item),
    submitted_at: new Date(timeOf(item.sent_at) ?? timeOf(item.started_at) ?? 0).toISOString(),
    ...(typeof item.duration === 'number' ? { duration_seconds: round(item.duration) } : {}),
    ...(prompt ? { prompt } : {}),
    media: mediaOfOutput(item.json_output),
    ...(typeof item.similarity === 'number' ? { similarity: round(item.similarity) } : {}),
    source: 'fal',
  };
}

export function durationOf(fromFal: ListedJob | undefined, outcome: Outcome | undefined) {
  const seconds = fromFal?.duration_seconds ?? outcome?.inference_seconds;
  return seconds !== undefined ? { duration_seconds: round(seconds) } : {};
}

export function listedUpload(entry: UploadEntry): ListedUpload {
  return {
    url: entry.url,
    content_type: entry.content_type,
    ...(entry.size !== undefined ? { size: entry.size } : {}),
    uploaded_at: new Date(entry.at).toISOString(),
    ...(entry.expires_at !== undefined ? { expires_at: new Date(entry.expires_at).toISOString() } : {}),
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** `since` checked against now and fal's window: a future time is refused, one too far back is moved up, saying so. */
export function windowStart(since: number | undefined, now: number, notes: string[]): number {
  if (since === undefined) return now - 86_400_000;
  if (since > now + 60_000) {
    throw new UserError(
      `since is in the future (${new Date(since).toISOString()}); give a past time, e.g. "24h", "7d" or "2026-12-01".`,
    );
  }
  if (since < now - HISTORY_WINDOW_MS) {
    notes.push(
      `fal keeps request history for 30 days: listing from ${new Date(now - HISTORY_WINDOW_MS).toISOString()} instead of ${new Date(since).toISOString()}.`,
    );
    return now - HISTORY_WINDOW_MS;
  }
  return since;
}

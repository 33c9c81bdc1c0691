import { safeMediaUrl } from './safe-url.js';

/** One job as list_jobs returns it (src/jobs/history-view.ts). */
export interface ListedJob {
  request_id: string;
  model: string;
  status: string;
  submitted_at: string;
  prompt?: string;
  estimated_cost_usd?: number;
  media: { url: string; kind: string }[];
}

export const isListing = (value: unknown): value is { jobs: ListedJob[] } =>
  typeof value === 'object' && value !== null && Array.isArray((value as { jobs?: unknown }).jobs);

const STATUS_WORDS: Record<string, string> = {
  IN_QUEUE: 'queued',
  IN_PROGRESS: 'running',
  COMPLETED: 'done',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  UNKNOWN: 'unknown',
};

/**
 * The caller's recent generations as a grid: a thumbnail (or what kind of
 * media it is), the status, when and what. Opening a tile hands the job to
 * `open`, which fetches and shows it whole (check_job).
 */
export function gallery(
  jobs: readonly ListedJob[],
  el: <K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attrs?: Record<string, string>,
    text?: string,
  ) => HTMLElementTagNameMap[K],
  open: (job: ListedJob) => void,
): HTMLElement {
  const grid = el('div', { class: 'gallery' });
  if (jobs.length === 0) return el('p', { class: 'note' }, 'No jobs in this window.');
  for (const job of jobs) {
    const tile = el('button', {
      type: 'button',
      class: `tile ${job.status.toLowerCase()}`,
      'data-request-id': job.request_id,
      title: `${job.model} · ${job.request_id}`,
    });
    const first = job.media[0];
    const url = first ? safeMediaUrl(first.url) : undefined;
    const thumb = el('div', { class: 'thumb' });
    if (first?.kind === 'image' && url)
      thumb.append(el('img', { src: url, alt: job.prompt ?? job.model, loading: 'lazy' }));
    else thumb.append(el('span', { class: 'kind' }, kindLabel(job)));
    const when = new Date(job.submitted_at);
    const caption = el('span', { class: 'caption' });
    caption.append(
      el('span', { class: `badge ${job.status.toLowerCase()}` }, STATUS_WORDS[job.status] ?? job.status),
      el('span', {}, ` ${Number.isNaN(when.getTime()) ? '' : when.toLocaleString()}`),
      el('span', { class: 'what' }, job.prompt ?? job.model.split('/').slice(1).join('/')),
    );
    tile.append(thumb, caption);
    tile.addEventListener('click', () => open(job));
    grid.append(tile);
  }
  return grid;
}

function kindLabel(job: ListedJob): string {
  const kind = job.media[0]?.kind;
  if (kind === 'video') return '▶ video';
  if (kind === 'audio') return '♪ audio';
  if (kind) return kind;
  return job.status === 'IN_QUEUE' || job.status === 'IN_PROGRESS' ? '…' : 'no media';
}

import { gallery, isListing, type ListedJob } from './gallery.js';
import { connectToHost } from './protocol.js';
import { safeMediaUrl } from './safe-url.js';

/** What the server's job tools return in structuredContent (src/jobs/job-view.ts). */
interface MediaFile {
  field: string;
  url: string;
  mime_type?: string;
  kind: 'image' | 'video' | 'audio' | '3d' | 'file' | string;
  name: string;
  width?: number;
  height?: number;
}
interface Job {
  model: string;
  request_id: string;
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  queue_position?: number;
  media: MediaFile[];
  result?: Record<string, unknown>;
  error?: string;
  notes: string[];
}
interface ToolResult {
  structuredContent?: Record<string, unknown>;
  content?: { type: string; text?: string }[];
  isError?: boolean;
}

const host = connectToHost();
const root = document.getElementById('app') as HTMLElement;
let lastInput: Record<string, unknown> | undefined;
let lastTool: string | undefined;

const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  text?: string,
) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
};

const isJob = (value: unknown): value is Job =>
  typeof value === 'object' && value !== null && 'request_id' in value && 'status' in value;

// The host sizes the frame to the content: tell it whenever the content (images loading included) changes size.
new ResizeObserver(() => {
  const height = Math.ceil(root.getBoundingClientRect().bottom + 8);
  host.notify('ui/notifications/size-changed', { height });
}).observe(root);

async function callTool(name: string, args: Record<string, unknown>): Promise<ToolResult> {
  return host.request<ToolResult>('tools/call', { name, arguments: args });
}

/** One result: a pending job polls check_job until it ends; a finished one shows its media. */
function render(result: ToolResult, into: HTMLElement): void {
  into.replaceChildren();
  const job = result.structuredContent;
  if (!result.isError && isListing(job)) {
    into.append(gallery(job.jobs, el, openJob));
    return;
  }
  if (result.isError || !isJob(job)) {
    const text = result.content?.find((c) => c.type === 'text')?.text ?? 'No media in this result.';
    into.append(el('p', { class: result.isError ? 'error' : 'note' }, text));
    return;
  }
  if (job.status === 'IN_QUEUE' || job.status === 'IN_PROGRESS') {
    pending(job, into);
    return;
  }
  const head = el('div', { class: 'meta' });
  head.append(el('strong', {}, job.model), el('span', {}, ` · ${job.request_id}`));
  const seed = job.result?.seed;
  if (typeof seed === 'number') head.append(el('span', {}, ` · seed ${seed}`));
  const cost = job.notes.find((n) => n.startsWith('Estimated cost'));
  if (cost)
    head.append(el('span', {}, ` · ${cost.replace(/^Estimated cost: /, '').replace(/ \(.*\)\.?$/, '')}`));
  into.append(head);
  if (job.status !== 'COMPLETED') {
    into.append(el('p', { class: 'error' }, job.error ?? `The job ended ${job.status.toLowerCase()}.`));
    return;
  }
  const grid = el('div', { class: 'grid' });
  for (const file of job.media) grid.append(mediaCard(job, file));
  into.append(grid);
  const transcript = typeof job.result?.text === 'string' ? job.result.text : undefined;
  if (transcript) into.append(el('blockquote', { class: 'transcript' }, transcript));
  if (job.media.length === 0 && !transcript)
    into.append(el('p', { class: 'note' }, 'This result has no media.'));
}

function mediaCard(job: Job, media: MediaFile): HTMLElement {
  const card = el('figure', { class: `card ${media.kind}` });
  const url = safeMediaUrl(media.url);
  if (!url) {
    card.append(el('p', { class: 'note' }, `${media.name}: not shown (not an https link).`));
    return card;
  }
  const file = { ...media, url };
  if (file.kind === 'image') {
    const img = el('img', { src: file.url, alt: `${job.model} ${file.field}`, loading: 'lazy' });
    img.addEventListener('click', () => card.classList.toggle('zoomed'));
    card.append(img);
  } else if (file.kind === 'video') {
    card.append(el('video', { src: file.url, controls: '', preload: 'metadata', playsinline: '' }));
  } else if (file.kind === 'audio') {
    card.append(el('audio', { src: file.url, controls: '', preload: 'metadata' }));
  }
  const caption = el('figcaption');
  const link = el(
    'a',
    { href: file.url, download: file.name, target: '_blank', rel: 'noopener' },
    `Download ${file.name}`,
  );
  caption.append(link);
  if (file.kind === 'image') caption.append(actions(file));
  card.append(caption);
  return card;
}

/** Actions on an image: each calls one of the server's own tools, and what it starts appears below. */
function actions(file: MediaFile): HTMLElement {
  const bar = el('div', { class: 'actions' });
  const run = (label: string, tool: string, args: () => Record<string, unknown>) => {
    const button = el('button', { type: 'button' }, label);
    button.addEventListener('click', async () => {
      const slot = el('section', { class: 'started' }, `${label}…`);
      root.append(slot);
      try {
        render(await callTool(tool, args()), slot);
      } catch (error) {
        render({ isError: true, content: [{ type: 'text', text: String(error) }] }, slot);
      }
    });
    bar.append(button);
  };
  if (lastTool && lastInput) {
    const input = lastInput;
    const tool = lastTool;
    const seed = () => Math.floor(Math.random() * 2 ** 31);
    // run_model takes the model's own input; the task tools take seed beside their other fields.
    run('Variation', tool, () =>
      tool === 'run_model'
        ? { ...input, input: { ...(input.input as Record<string, unknown> | undefined), seed: seed() } }
        : { ...input, seed: seed() },
    );
  }
  run('Upscale', 'edit_image', () => ({ operation: 'upscale', image_url: file.url }));
  run('Remove background', 'edit_image', () => ({ operation: 'remove_background', image_url: file.url }));
  run('Animate', 'generate_video', () => ({ image_url: file.url, prompt: 'gentle natural motion' }));
  return bar;
}

/** A gallery tile opened: the whole job below the grid (check_job), played or acted on like any result. */
function openJob(job: ListedJob): void {
  const slot =
    root.querySelector<HTMLElement>('section.opened') ?? root.appendChild(el('section', { class: 'opened' }));
  slot.replaceChildren(el('p', { class: 'pending', role: 'status' }, `Opening ${job.request_id}…`));
  callTool('check_job', { request_id: job.request_id, model: job.model })
    .then((result) => render(result, slot))
    .catch((error: unknown) =>
      render({ isError: true, content: [{ type: 'text', text: String(error) }] }, slot),
    );
}

/** A job still running: show where it stands, ask check_job until it ends, then show the media. */
function pending(job: Job, into: HTMLElement): void {
  const line = el('p', { class: 'pending', role: 'status' });
  const say = (j: Job) => {
    line.textContent =
      j.status === 'IN_QUEUE'
        ? `${j.model}: in queue${j.queue_position !== undefined ? `, position ${j.queue_position}` : ''}`
        : `${j.model}: running`;
  };
  say(job);
  into.replaceChildren(line);
  const tick = async () => {
    const next = await callTool('check_job', {
      model: job.model,
      request_id: job.request_id,
      wait_seconds: 10,
    });
    const update = next.structuredContent;
    if (isJob(update) && (update.status === 'IN_QUEUE' || update.status === 'IN_PROGRESS')) {
      say(update);
      setTimeout(tick, 1_000);
    } else {
      render(next, into);
    }
  };
  setTimeout(tick, 500);
}

function applyTheme(context: Record<string, unknown> | undefined): void {
  const theme = context?.theme;
  if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;
}

host.on('ui/notifications/tool-input', (params) => {
  lastInput = params.arguments as Record<string, unknown> | undefined;
});
host.on('ui/notifications/tool-result', (params) => render(params as ToolResult, root));
host.on('ui/notifications/host-context-changed', (params) => applyTheme(params));

const init = await host.request<{ hostContext?: Record<string, unknown> }>('ui/initialize', {
  appInfo: { name: 'fal-media', version: '1' },
  appCapabilities: {},
  protocolVersion: '2026-01-26',
});
applyTheme(init.hostContext);
const toolName = (init.hostContext?.toolInfo as { tool?: { name?: string } } | undefined)?.tool?.name;
if (typeof toolName === 'string') lastTool = toolName;
host.notify('ui/notifications/initialized');

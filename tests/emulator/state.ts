import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Context } from 'hono';
import { type EmulatedModel, loadCatalogue } from './catalogue.js';

export interface JobTiming {
  /** Time spent IN_QUEUE. */
  queueMs: number;
  /** Time spent IN_PROGRESS after that. */
  runMs: number;
  /** Queue position reported at submission; it falls to 0 as queueMs elapses. */
  queuePosition?: number;
  /** Make the job end COMPLETED-with-error (fal has no FAILED status). */
  fail?: { error: string; error_type: string; status?: number };
  /**
   * The model fails on the result route only (status COMPLETED without error, as
   * fal reports it), answering with its own status and error body.
   */
  modelError?: { status: number; body: unknown };
  /** The result is an image as a data URI (sync_mode) making the JSON about this many bytes. */
  resultBytes?: number;
  /** Send that result without Content-Length (chunked), so only counting while reading can catch it. */
  resultChunked?: boolean;
  /** fal retried the request: its webhook carries a different gateway_request_id, and signs with it. */
  retried?: boolean;
  /** The webhook comes without its payload, with this payload_error (fal could not serialize it). */
  payloadError?: string;
  /** The model's output, instead of one made up from its schema (`cdn` is the emulator's CDN base URL). */
  output?: (cdn: string, requestId: string) => unknown;
}

/**
 * How long fal keeps a finished request (its queue docs): the payload storage
 * period (30 days) by default; with X-Fal-Store-IO: 0, 1 h, or 6 min when the
 * result is ≥ 10 KB.
 */
export interface Retention {
  smallMs: number;
  largeMs: number;
  largeBytes: number;
  /**
   * With payload storage on (the default); fal's default storage period is 30 days.
   * Left out, the short retention applies to every job (tests that make fal forget).
   */
  storedMs?: number;
}

export const FAL_RETENTION: Retention = {
  smallMs: 60 * 60_000,
  largeMs: 6 * 60_000,
  largeBytes: 10 * 1024,
  storedMs: 30 * 86_400_000,
};

export interface WebhookDelivery {
  url: string;
  requestId: string;
  attempts: number;
  /** The HTTP status of each attempt (0: no answer). */
  statuses: number[];
}

export interface Job {
  requestId: string;
  endpointId: string;
  app: string;
  key: string | null;
  input: Record<string, unknown>;
  submittedAt: number;
  timing: JobTiming;
  cancelled: boolean;
  cancelledAt?: number;
  webhook: string | undefined;
  result: unknown;
  /** Settles once the made-up result's files carry the sizes the CDN serves them at. */
  sized?: Promise<void>;
  /** False when submitted with X-Fal-Store-IO: 0: no payloads stored, short retention. */
  storeIo: boolean;
  /** When its output files stop being served (X-Fal-Object-Lifecycle-Preference), epoch ms. */
  mediaExpiresAt?: number;
  /** Its payloads were deleted (DELETE …/payloads): history keeps the request, without them; files 404. */
  payloadsDeleted?: boolean;
}

/** Finished: when it completed, or undefined while queued or running. */
export function completedAt(job: Job, now: number): number | undefined {
  if (job.cancelled) return job.cancelledAt ?? job.submittedAt;
  const at = job.submittedAt + job.timing.queueMs + job.timing.runMs;
  return now >= at ? at : undefined;
}

export interface StoredFile {
  bytes: Uint8Array;
  contentType: string;
  /** Bytes received (kept in `bytes`, or only counted when keepUploads is off). */
  size?: number;
  /** How many parts a multipart upload assembled it from. */
  parts?: number;
  /** When fal's CDN stops serving it (X-Fal-Object-Lifecycle on the initiate), epoch ms. */
  expiresAt?: number;
}

export interface EmulatorOptions {
  /** Keys refused with 401 (any key starting with "invalid" is refused too). */
  invalidKeys?: string[];
  /** Keys allowed on admin routes (any key containing "admin" is one too). */
  adminKeys?: string[];
  /** Default timing for jobs; override per endpoint with setTiming. */
  timing?: JobTiming;
  /** Replace the catalogue (defaults to the 1,207 endpoints of the data file). */
  models?: EmulatedModel[];
  /** How long finished requests are kept (default fal's: 1 h, 6 min when ≥ 10 KB). */
  retention?: Retention;
  /** Webhook redelivery: attempts and the pause between them (fal: 10 over 2 hours). */
  webhookAttempts?: number;
  webhookRetryMs?: number;
  /** Keep uploaded bytes (default); off, only their size is kept (large upload benchmarks). */
  keepUploads?: boolean;
  /** Take a PUT without Content-Length, as this emulator once did (benchmarks of older builds only). */
  acceptChunkedUploads?: boolean;
}

let shared: EmulatedModel[] | undefined;

export class EmulatorState {
  /** How far tests have moved fal's clock ahead of the wall clock (advance). */
  #ahead = 0;
  readonly models: EmulatedModel[];
  readonly byId: Map<string, EmulatedModel>;
  readonly jobs = new Map<string, Job>();
  readonly files = new Map<string, StoredFile>();
  /** Every request ever submitted, kept after the queue forgets it: fal's request history. */
  readonly requestLog: Job[] = [];
  /** Upload slots' lifetimes (seconds) from their initiate, by token, applied when the bytes arrive. */
  readonly uploadLifetimes = new Map<string, number>();
  /** Bytes the CDN route has handed to its readers (previews, players). */
  cdnBytesSent = 0;
  /** The headers of every upload PUT (one-shot and parts), as they arrived. */
  readonly uploadHeaders: Record<string, string>[] = [];
  readonly webhooks: WebhookDelivery[] = [];
  retention: Retention;
  /** Every payload deletion asked for, with its Idempotency-Key. */
  readonly payloadDeletions: { requestId: string; idempotencyKey: string | null }[] = [];
  /** The account's credit balance (USD) that `GET /account/billing?expand=credits` reports. */
  balanceUsd = 42.5;
  /** Usage rows per page (fal pages `GET /models/usage` with cursor and limit). */
  usagePageSize = 100;
  /** The status stream: how often it looks for a change, and when it sends a keep-alive comment (fal: 15 s). */
  streamTickMs = 20;
  streamKeepAliveMs = 15_000;
  /** Break every status stream after this many events (undefined: never). */
  streamCutAfterEvents: number | undefined;
  readonly webhookAttempts: number;
  readonly webhookRetryMs: number;
  readonly keepUploads: boolean;
  readonly acceptChunkedUploads: boolean;
  /** fal's webhook signing key; its public half is served as a JWKS. */
  readonly signingKey: { privateKey: KeyObject; publicKey: KeyObject } = generateKeyPairSync('ed25519');
  readonly timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #timings = new Map<string, JobTiming>();
  #defaultTiming: JobTiming;
  readonly #invalid: Set<string>;
  readonly #admin: Set<string>;
  #seq = 0;

  constructor(options: EmulatorOptions = {}) {
    shared ??= loadCatalogue();
    this.models = options.models ?? shared;
    this.byId = new Map(this.models.map((m) => [m.endpoint_id, m]));
    this.#defaultTiming = options.timing ?? { queueMs: 30, runMs: 60, queuePosition: 1 };
    this.#invalid = new Set(options.invalidKeys ?? []);
    this.#admin = new Set(options.adminKeys ?? []);
    this.retention = options.retention ?? FAL_RETENTION;
    this.webhookAttempts = options.webhookAttempts ?? 10;
    this.webhookRetryMs = options.webhookRetryMs ?? 500;
    this.keepUploads = options.keepUploads ?? true;
    this.acceptChunkedUploads = options.acceptChunkedUploads ?? false;
  }

  /** fal's clock: the wall clock, plus what tests moved it on (so they wait for nothing). */
  now(): number {
    return Date.now() + this.#ahead;
  }

  /** Move fal's clock on: queued jobs run, finished ones are forgotten, files expire, at once. */
  advance(ms: number): void {
    this.#ahead += ms;
  }

  /** Whether fal has forgotten a finished request (past retention for its result's size). */
  isForgotten(job: Job, resultBytes: number): boolean {
    const done = completedAt(job, this.now());
    if (done === undefined) return false;
    const keep =
      job.storeIo && this.retention.storedMs !== undefined
        ? this.retention.storedMs
        : resultBytes >= this.retention.largeBytes
          ? this.retention.largeMs
          : this.retention.smallMs;
    return this.now() - done > keep;
  }

  /** Keys whose permission preset leaves out reading request history (any key containing "nohistory"). */
  readsHistory(key: string): boolean {
    return !key.includes('nohistory');
  }

  /** Run later; cleared when the emulator closes. */
  later(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  setTiming(endpointId: string | '*', timing: JobTiming): void {
    if (endpointId === '*') this.#defaultTiming = timing;
    else this.#timings.set(endpointId, timing);
  }

  timingFor(endpointId: string): JobTiming {
    return this.#timings.get(endpointId) ?? this.#defaultTiming;
  }

  nextRequestId(): string {
    this.#seq++;
    return `req-${this.#seq.toString().padStart(6, '0')}-${Math.random().toString(16).slice(2, 10)}`;
  }

  /** The caller's key from `Authorization: Key …`; null when absent. */
  keyOf(c: Context): string | null {
    const m = /^Key\s+(.+)$/i.exec(c.req.header('authorization')?.trim() ?? '');
    return m?.[1] ?? null;
  }

  isValidKey(key: string): boolean {
    return !key.startsWith('invalid') && !this.#invalid.has(key);
  }

  isAdminKey(key: string): boolean {
    return key.includes('admin') || this.#admin.has(key);
  }
}

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
  webhook: string | undefined;
  result: unknown;
}

export interface StoredFile {
  bytes: Uint8Array;
  contentType: string;
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
}

let shared: EmulatedModel[] | undefined;

export class EmulatorState {
  readonly models: EmulatedModel[];
  readonly byId: Map<string, EmulatedModel>;
  readonly jobs = new Map<string, Job>();
  readonly files = new Map<string, StoredFile>();
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

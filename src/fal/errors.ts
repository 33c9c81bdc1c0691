import { scrub } from '../log.js';
import { scrubExact } from '../log-secrets.js';

export type FalErrorKind =
  | 'auth' // 401/403: the key was refused or lacks a permission
  | 'not_found' // 404
  | 'validation' // 400/422: fal rejected the input
  | 'rate_limited' // 429
  | 'unavailable' // 5xx, timeout, connection failure
  | 'bad_response' // fal answered something we cannot read
  | 'too_large' // the answer is larger than this server reads (MAX_UPSTREAM_RESPONSE_BYTES)
  | 'busy'; // this server has too many large answers in memory right now; not fal's fault

export interface FalFieldIssue {
  field: string;
  message: string;
}

/** The one error type the fal client throws. Tools map it to a message (mcp/errors.ts). */
export class FalError extends Error {
  override name = 'FalError';
  readonly kind: FalErrorKind;
  readonly status: number | undefined;
  readonly falType: string | undefined;
  readonly details: readonly FalFieldIssue[];
  readonly retryAfterSeconds: number | undefined;
  /**
   * The request may have reached fal and its outcome is unknown (a timeout, a
   * reset or an abort after it was sent). For a submit: the job may be running.
   */
  readonly ambiguous: boolean;
  /** Refused here without calling fal, because a circuit is open. */
  readonly circuitOpen: boolean;
  /** The error body was in the queue/model dialect (`{"detail": …}`). */
  readonly modelBody: boolean;
  /** fal's own word on retrying (`X-Fal-Retryable`, `X-Fal-Needs-Retry`): undefined when it said nothing. */
  readonly retryable: boolean | undefined;
  /** A `status` the error body carried (cancel answers `{"status":"ALREADY_COMPLETED"}` whatever the HTTP code). */
  readonly falStatus: string | undefined;

  constructor(init: {
    kind: FalErrorKind;
    message: string;
    status?: number | undefined;
    falType?: string | undefined;
    details?: readonly FalFieldIssue[];
    retryAfterSeconds?: number | undefined;
    ambiguous?: boolean;
    circuitOpen?: boolean;
    modelBody?: boolean;
    retryable?: boolean | undefined;
    falStatus?: string | undefined;
  }) {
    // fal's own text can quote a request; scrub it so a key can never ride along.
    super(scrub(init.message));
    this.kind = init.kind;
    this.status = init.status;
    this.falType = init.falType;
    this.details = init.details ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.ambiguous = init.ambiguous ?? false;
    this.circuitOpen = init.circuitOpen ?? false;
    this.modelBody = init.modelBody ?? false;
    this.retryable = init.retryable;
    this.falStatus = init.falStatus;
  }

  /** The same error without these exact values in its texts: fal may quote back the key a call carried. */
  without(values: readonly string[]): FalError {
    const clean = (text: string) => scrubExact(text, values);
    if (!values.some((v) => this.message.includes(v) || this.details.some((d) => d.message.includes(v)))) {
      return this;
    }
    return new FalError({
      kind: this.kind,
      message: clean(this.message),
      status: this.status,
      falType: this.falType,
      details: this.details.map((d) => ({ field: clean(d.field), message: clean(d.message) })),
      retryAfterSeconds: this.retryAfterSeconds,
      ambiguous: this.ambiguous,
      circuitOpen: this.circuitOpen,
      modelBody: this.modelBody,
      retryable: this.retryable,
      falStatus: this.falStatus,
    });
  }
}

export function kindForStatus(status: number): FalErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 400 || status === 422) return 'validation';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'bad_response';
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date). */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed));
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/**
 * Read fal's error bodies, which come in three dialects:
 * Platform `{"error":{"type","message"}}`, model validation `{"detail":[{loc,msg,type}]}`,
 * and infrastructure `{"detail":"…","error_type":"…"}` (+ X-Fal-Error-Type).
 */
export function falErrorFromResponse(status: number, headers: Headers, body: unknown): FalError {
  const retryAfterSeconds = parseRetryAfter(headers.get('retry-after'));
  let falType = headers.get('x-fal-error-type') ?? undefined;
  let message: string | undefined;
  const details: FalFieldIssue[] = [];

  if (isRecord(body)) {
    const err = body.error;
    if (isRecord(err)) {
      if (typeof err.type === 'string') falType = err.type;
      if (typeof err.message === 'string') message = err.message;
    } else if (typeof err === 'string') {
      message = err;
    }
    if (typeof body.error_type === 'string') falType = body.error_type;
    const detail = body.detail;
    if (typeof detail === 'string') message = detail;
    if (Array.isArray(detail)) {
      for (const item of detail) {
        if (!isRecord(item)) continue;
        const loc = Array.isArray(item.loc) ? item.loc.filter((p) => p !== 'body').join('.') : '';
        details.push({
          field: loc || '(input)',
          message: typeof item.msg === 'string' ? item.msg : 'invalid',
        });
        // A model's typed error (content_policy_violation, image_too_large, …) says what kind it was.
        if (typeof item.type === 'string' && FAL_MODEL_ERROR.test(item.type)) falType ??= item.type;
      }
      message ??= details.map((d) => `${d.field}: ${d.message}`).join('; ');
    }
    if (!message && typeof body.message === 'string') message = body.message;
  } else if (typeof body === 'string' && body.trim()) {
    message = body.trim().slice(0, 300);
  }

  return new FalError({
    kind: kindForStatus(status),
    status,
    falType,
    message: message || `fal answered HTTP ${status}`,
    details,
    retryAfterSeconds,
    modelBody: isModelErrorBody(body),
    retryable: retryableHeader(headers),
    falStatus: isRecord(body) && typeof body.status === 'string' ? body.status : undefined,
  });
}

/** fal's model error types are plain snake_case words; pydantic's own (`value_error.missing`) are not reported. */
const FAL_MODEL_ERROR = /^[a-z]+(?:_[a-z]+)+$/;

/** `X-Fal-Retryable: true|false` (a model error), `X-Fal-Needs-Retry: 1|true` (fal asks for another try). */
export function retryableHeader(headers: Headers): boolean | undefined {
  const needs = headers.get('x-fal-needs-retry')?.trim().toLowerCase();
  if (needs === '1' || needs === 'true') return true;
  const said = headers.get('x-fal-retryable')?.trim().toLowerCase();
  if (said === 'true' || said === '1') return true;
  if (said === 'false' || said === '0') return false;
  return undefined;
}

/**
 * Whether an error body is in the queue/model dialect (`{"detail": …}`): on the
 * result route that is the model speaking, not fal's infrastructure.
 */
export function isModelErrorBody(body: unknown): boolean {
  return isRecord(body) && 'detail' in body;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

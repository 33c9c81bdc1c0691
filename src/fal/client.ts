import ky, { HTTPError, type KyInstance, TimeoutError } from 'ky';
import * as v from 'valibot';
import type { Secret } from '../auth/secret.js';
import { type BreakerState, CircuitBreaker } from './breaker.js';
import { FalError, falErrorFromResponse } from './errors.js';

export type FalApi = 'platform' | 'queue' | 'storage';

/** Which failures may be retried. Only requests that cannot bill twice retry on 5xx. */
export type RetryPolicy = 'idempotent' | 'rate-limit-only' | 'none';

export interface FalRequest<T> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the API base, e.g. `models` or `fal-ai/flux/requests/123/status`. */
  path: string;
  searchParams?: URLSearchParams;
  json?: unknown;
  headers?: Record<string, string>;
  /** The key the call runs on; undefined for anonymous calls. */
  key: Secret | undefined;
  schema: v.GenericSchema<unknown, T>;
  retry?: RetryPolicy;
  signal?: AbortSignal | undefined;
}

export interface FalClientOptions {
  apiUrl: string;
  queueUrl: string;
  storageUrl: string;
  timeoutMs: number;
  retryLimit?: number;
  /** Longest Retry-After we are willing to sleep for inside one call. */
  maxRetryAfterMs?: number;
  backoffLimitMs?: number;
  /** Consecutive failures that open an upstream's circuit, and how long it stays open. */
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  /** Told about every call: which API, how it ended ('ok' or an error kind), how long it took. */
  observe?: (api: FalApi, outcome: string, seconds: number) => void;
  fetch?: typeof fetch;
}

const RETRYABLE_STATUS = [408, 429, 500, 502, 503, 504];

/**
 * The only code that talks HTTP to fal. One ky instance per API base, a typed
 * FalError for every failure, and every body validated against a valibot schema.
 */
export class FalClient {
  readonly #apis: Record<FalApi, KyInstance>;
  readonly #breakers: Record<FalApi, CircuitBreaker>;
  readonly #observe: NonNullable<FalClientOptions['observe']>;
  readonly #retryLimit: number;
  readonly #maxRetryAfterMs: number;
  readonly #backoffLimitMs: number;

  constructor(options: FalClientOptions) {
    this.#retryLimit = options.retryLimit ?? 2;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 10_000;
    this.#backoffLimitMs = options.backoffLimitMs ?? 2_000;
    this.#observe = options.observe ?? (() => undefined);
    const make = (prefix: string) =>
      ky.create({
        prefix,
        timeout: options.timeoutMs,
        throwHttpErrors: true,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    this.#apis = {
      platform: make(options.apiUrl),
      queue: make(options.queueUrl),
      storage: make(options.storageUrl),
    };
    const breaker = (name: string) =>
      new CircuitBreaker(name, options.breakerThreshold ?? 5, options.breakerCooldownMs ?? 10_000);
    this.#breakers = {
      platform: breaker('platform API'),
      queue: breaker('queue'),
      storage: breaker('storage'),
    };
  }

  breakerStates(): Record<FalApi, BreakerState> {
    return {
      platform: this.#breakers.platform.state,
      queue: this.#breakers.queue.state,
      storage: this.#breakers.storage.state,
    };
  }

  async request<T>(api: FalApi, req: FalRequest<T>): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (req.key) headers.authorization = `Key ${req.key.reveal()}`;
    const breaker = this.#breakers[api];
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      breaker.before();
    } catch (error) {
      this.#observe(api, 'circuit_open', 0);
      throw error;
    }
    let response: Response;
    try {
      response = await this.#apis[api](req.path, {
        method: req.method,
        headers,
        ...(req.searchParams ? { searchParams: req.searchParams } : {}),
        ...(req.json !== undefined ? { json: req.json } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        retry: this.#retryOptions(req.retry ?? (req.method === 'GET' ? 'idempotent' : 'none')),
      });
    } catch (error) {
      const falError = await toFalError(error);
      if (req.signal?.aborted) breaker.release();
      else if (falError.kind === 'unavailable') breaker.failure();
      else breaker.success();
      this.#observe(api, falError.kind, seconds());
      throw falError;
    }
    breaker.success();
    this.#observe(api, 'ok', seconds());
    return parseBody(response, req.schema);
  }

  #retryOptions(policy: RetryPolicy) {
    if (policy === 'none') return { limit: 0 };
    return {
      limit: this.#retryLimit,
      methods: ['get', 'post', 'put', 'delete'],
      statusCodes: policy === 'idempotent' ? RETRYABLE_STATUS : [429],
      afterStatusCodes: [429, 503],
      maxRetryAfter: this.#maxRetryAfterMs,
      backoffLimit: this.#backoffLimitMs,
      jitter: true,
      retryOnTimeout: policy === 'idempotent',
    };
  }
}

async function parseBody<T>(response: Response, schema: v.GenericSchema<unknown, T>): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    throw new FalError({
      kind: 'bad_response',
      status: response.status,
      message: 'fal answered with a body that is not valid JSON',
    });
  }
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue ? v.getDotPath(issue) : undefined;
    throw new FalError({
      kind: 'bad_response',
      status: response.status,
      message: `fal answered in an unexpected shape${where ? ` (at ${where})` : ''}`,
    });
  }
  return parsed.output;
}

async function toFalError(error: unknown): Promise<FalError> {
  if (error instanceof FalError) return error;
  if (error instanceof HTTPError) {
    const data: unknown = error.data;
    return falErrorFromResponse(error.response.status, error.response.headers, data);
  }
  if (error instanceof TimeoutError) {
    return new FalError({ kind: 'unavailable', message: 'fal did not answer in time' });
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new FalError({ kind: 'unavailable', message: 'the request to fal was cancelled' });
  }
  return new FalError({ kind: 'unavailable', message: 'could not reach fal (connection failed)' });
}

import type { KyInstance } from 'ky';
import type * as v from 'valibot';
import { ByteBudget } from '../lib/byte-budget.js';
import type { Secret } from '../lib/secret.js';
import type { Span, Tracing } from '../telemetry/tracing.js';
import type { BreakerState } from './breaker.js';
import { CallGuard } from './call-guard.js';
import { keepErrorBody } from './error-body.js';
import { FalError } from './errors.js';
import type { SentBody } from './put-stream.js';
import { parseBody, readCappedText } from './read-body.js';
import { retryOptions } from './retry.js';
import { FAL_ROUTES, type FalApi, type FalRoute, type RetryPolicy } from './routes.js';
import { type StorageSend, sendToStorage } from './storage-sender.js';
import { isTrustedUploadUrl } from './upload-hosts.js';

export type { FalApi, FalRoute, RetryPolicy } from './routes.js';

/** The tenant of calls made for the server itself (the catalogue crawl), not for any caller. */
export const SERVER_TENANT = 'server';

/** Whose call this is: the key it runs on, and the tenant its failures count against. */
export interface Credential {
  readonly key: Secret | undefined;
  readonly tenant: string;
}

export interface FalRequest<T> {
  route: FalRoute;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path below the API base, e.g. `models` or `fal-ai/flux/requests/123/status`. */
  path: string;
  searchParams?: URLSearchParams;
  json?: unknown;
  headers?: Record<string, string>;
  as: Credential;
  schema: v.GenericSchema<unknown, T>;
  /** Overrides the route's retry rule. */
  retry?: RetryPolicy;
  signal?: AbortSignal | undefined;
  /** When the caller stops waiting (epoch ms): a Retry-After beyond it fails at once. */
  deadline?: number | undefined;
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
  /** Consecutive failures that open a circuit, how long it stays open, and how many tenants must fail. */
  breakerThreshold?: number;
  breakerCooldownMs?: number;
  breakerQuorum?: number;
  /** Largest answer read from fal (MAX_UPSTREAM_RESPONSE_BYTES). */
  maxResponseBytes?: number;
  /** Told about every call: which API, how it ended ('ok' or an error kind), how long it took. */
  observe?: (api: FalApi, outcome: string, seconds: number) => void;
  /** Told when fal refuses a tenant's key outright (401 outside admin-only routes). */
  onKeyRefused?: (tenant: string) => void;
  fetch?: typeof fetch;
  /** The clock circuits cool down by (tests pass a manual one). */
  now?: () => number;
  /** OpenTelemetry: a client span per call when tracing is on. */
  tracing?: Tracing | undefined;
}

const DEFAULT_MAX_RESPONSE = 16 * 1024 * 1024;

interface EventStreamRequest {
  route: FalRoute;
  path: string;
  searchParams?: URLSearchParams;
  as: Credential;
  signal: AbortSignal;
}

/**
 * The only code that talks HTTP to fal. One ky instance per API base, a typed
 * FalError for every failure, every body read with a size cap and validated
 * against a valibot schema, circuits per route and tenant (docs/hardening.md).
 */
export class FalClient {
  #apis: Promise<Record<FalApi, KyInstance>> | undefined;
  readonly #guard: CallGuard;
  readonly #budget: ByteBudget;
  readonly #opts: FalClientOptions & { retryLimit: number; maxRetryAfterMs: number; backoffLimitMs: number };
  readonly #fetch: typeof fetch;
  readonly maxResponseBytes: number;
  readonly #hosts: Record<FalApi, string>;

  constructor(options: FalClientOptions) {
    this.#opts = { retryLimit: 2, maxRetryAfterMs: 10_000, backoffLimitMs: 2_000, ...options };
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE;
    // Four answers at the cap at once process-wide, one per tenant; answers under 1 MiB are free.
    this.#budget = new ByteBudget(4 * this.maxResponseBytes, this.maxResponseBytes, 1024 * 1024);
    this.#hosts = {
      platform: new URL(options.apiUrl).host,
      queue: new URL(options.queueUrl).host,
      storage: new URL(options.storageUrl).host,
    };
    this.#guard = new CallGuard({
      threshold: options.breakerThreshold,
      cooldownMs: options.breakerCooldownMs,
      quorum: options.breakerQuorum,
      now: options.now,
      observe: options.observe,
      onKeyRefused: options.onKeyRefused,
    });
  }

  /**
   * One ky instance per API base, made on the first call to fal: a fresh process answers its
   * first tools/list without loading ky (~50 ms of its cold start, measured).
   */
  async #api(api: FalApi): Promise<KyInstance> {
    this.#apis ??= import('ky').then(({ default: ky }) => {
      const { apiUrl, queueUrl, storageUrl, timeoutMs } = this.#opts;
      const make = (prefixUrl: string) =>
        ky.create({
          prefixUrl,
          timeout: timeoutMs,
          throwHttpErrors: true,
          fetch: this.#fetch,
          hooks: { beforeError: [keepErrorBody(timeoutMs)] },
        });
      return { platform: make(apiUrl), queue: make(queueUrl), storage: make(storageUrl) };
    });
    return (await this.#apis)[api];
  }

  /** The shared circuit of every route, and how many tenant circuits are open. */
  breakerStates(): { routes: Record<FalRoute, BreakerState>; openTenantCircuits: number } {
    return this.#guard.states();
  }

  request<T>(req: FalRequest<T>): Promise<T> {
    return this.#traced(req.route, req.method, req.as, (span) => this.#request(req, span));
  }

  /**
   * A client span per fal call when tracing is on, under the request's span: the
   * route, method, host and outcome; never a key, a path with ids, or a query.
   */
  async #traced<T>(
    route: FalRoute,
    method: string,
    as: Credential,
    run: (span: Span | undefined) => Promise<T>,
  ): Promise<T> {
    const { tracing } = this.#opts;
    if (!tracing) return run(undefined);
    const span = tracing.startClientSpan(as, `fal ${route}`, {
      'fal.route': route,
      'http.request.method': method,
      'server.address': this.#hosts[FAL_ROUTES[route].api],
    });
    try {
      return await run(span);
    } catch (error) {
      tracing.fail(span, error instanceof FalError ? error.kind : undefined);
      if (error instanceof FalError && error.status !== undefined) {
        span.setAttribute('http.response.status_code', error.status);
      }
      throw error;
    } finally {
      span.end();
    }
  }

  async #request<T>(req: FalRequest<T>, span: Span | undefined): Promise<T> {
    const { api, retry } = FAL_ROUTES[req.route];
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
    if (req.as.key) headers.authorization = `Key ${req.as.key.reveal()}`;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let retries = 0;
    this.#guard.admit(req.route, req.as.tenant, api);
    const slot = this.#budget.open(req.as.tenant);
    try {
      let response: Response;
      try {
        response = await (await this.#api(api))(req.path, {
          method: req.method,
          headers,
          ...(req.searchParams ? { searchParams: req.searchParams } : {}),
          ...(req.json !== undefined ? { json: req.json } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
          retry: retryOptions(req.retry ?? retry, {
            limit: this.#opts.retryLimit,
            maxRetryAfterMs: this.#opts.maxRetryAfterMs,
            backoffLimitMs: this.#opts.backoffLimitMs,
            deadline: req.deadline ?? Date.now() + this.#opts.maxRetryAfterMs,
          }),
          ...(span
            ? {
                hooks: {
                  beforeRetry: [
                    () => {
                      span.setAttribute('fal.retries', ++retries);
                    },
                  ],
                },
              }
            : {}),
        });
      } catch (error) {
        throw await this.#guard.failed(req, error);
      }
      let text: string;
      try {
        text = await readCappedText(response, {
          maxBytes: this.maxResponseBytes,
          slot,
          timeoutMs: this.#opts.timeoutMs,
        });
      } catch (error) {
        throw this.#guard.settle(req, error as FalError);
      }
      // fal answered: it is up, whether or not the body is what we expect.
      this.#guard.succeeded(req.route, req.as.tenant);
      span?.setAttribute('http.response.status_code', response.status);
      const body = parseBody(text, response.status, req.schema);
      this.#guard.observe(api, 'ok', seconds());
      return body;
    } catch (error) {
      if (error instanceof FalError && !error.circuitOpen) this.#guard.observe(api, error.kind, seconds());
      throw error;
    } finally {
      slot.release();
    }
  }

  /**
   * Open a server-sent event stream (fal's status stream): the answer's body,
   * once fal has answered 2xx with `text/event-stream`. The body is the
   * caller's to read and cap (fal/status-stream.ts); an answer of any other
   * type is refused as a bad response, so the caller can fall back to polling.
   */
  openEventStream(req: EventStreamRequest): Promise<ReadableStream<Uint8Array>> {
    return this.#traced(req.route, 'GET', req.as, (span) => this.#openEventStream(req, span));
  }

  async #openEventStream(
    req: EventStreamRequest,
    span: Span | undefined,
  ): Promise<ReadableStream<Uint8Array>> {
    const { api } = FAL_ROUTES[req.route];
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (req.as.key) headers.authorization = `Key ${req.as.key.reveal()}`;
    const started = performance.now();
    this.#guard.admit(req.route, req.as.tenant, api);
    let response: Response;
    try {
      response = await (await this.#api(api))(req.path, {
        method: 'GET',
        headers,
        ...(req.searchParams ? { searchParams: req.searchParams } : {}),
        signal: req.signal,
        retry: 0,
      });
    } catch (error) {
      const failure = await this.#guard.failed({ ...req, method: 'GET' }, error);
      this.#guard.observe(api, failure.kind, (performance.now() - started) / 1000);
      throw failure;
    }
    this.#guard.succeeded(req.route, req.as.tenant);
    this.#guard.observe(api, 'ok', (performance.now() - started) / 1000);
    span?.setAttribute('http.response.status_code', response.status);
    const type = response.headers.get('content-type') ?? '';
    if (!response.body || !type.startsWith('text/event-stream')) {
      await response.body?.cancel();
      throw new FalError({
        kind: 'bad_response',
        status: response.status,
        message: `fal answered the status stream with ${type || 'no content type'}, not an event stream`,
      });
    }
    return response.body;
  }

  /** Whether an upload URL fal's storage named may receive a file (fal's hosts, or FAL_STORAGE_URL). */
  trustsUploadUrl(url: string): boolean {
    return isTrustedUploadUrl(url, this.#opts.storageUrl);
  }

  /** Send bytes to a URL fal's storage handed out (storage-sender.ts): fal's hosts only, no key. */
  toStorage(url: string, send: StorageSend, as: Credential, signal: AbortSignal): Promise<SentBody> {
    return sendToStorage(this.#guard, this.#opts.storageUrl, url, send, as, signal);
  }
}

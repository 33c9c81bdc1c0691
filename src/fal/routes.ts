/** The fal API families this server calls; each has its own circuits and retry rule. */
export type FalApi = 'platform' | 'queue' | 'storage';

/**
 * Which failures may be retried:
 * - `idempotent`: 429, 408 and 5xx, timeouts and connection errors (reads; nothing bills);
 * - `result`: like idempotent, except a 500 or a model's own error body (the model failed: asking again changes nothing);
 * - `rate-limit-only`: a 429, which fal answers before accepting anything (submits: anything else may have billed);
 * - `none`.
 */
export type RetryPolicy = 'idempotent' | 'result' | 'rate-limit-only' | 'none';

export type FalRoute =
  | 'models'
  | 'pricing'
  | 'estimate'
  | 'usage'
  | 'billing'
  | 'payloads.delete'
  | 'requests.search'
  | 'requests.by-endpoint'
  | 'queue.submit'
  | 'queue.status'
  | 'queue.stream'
  | 'queue.result'
  | 'queue.cancel'
  | 'storage.initiate'
  | 'storage.multipart'
  | 'storage.upload'
  | 'storage.part'
  | 'storage.complete';

interface RouteInfo {
  api: FalApi;
  /** How messages name it. */
  label: string;
  retry: RetryPolicy;
  /** Only keys with a permission may call it (admin, request history): a key refused here is still a good key. */
  needsPermission?: true;
}

export const FAL_ROUTES: Record<FalRoute, RouteInfo> = {
  models: { api: 'platform', label: 'platform API, models', retry: 'idempotent' },
  pricing: { api: 'platform', label: 'platform API, pricing', retry: 'idempotent' },
  // Read-only upstream, so it retries like a GET.
  estimate: { api: 'platform', label: 'platform API, estimates', retry: 'idempotent' },
  usage: { api: 'platform', label: 'platform API, usage', retry: 'idempotent', needsPermission: true },
  billing: { api: 'platform', label: 'platform API, billing', retry: 'idempotent', needsPermission: true },
  // Sent with an Idempotency-Key: deleting twice deletes once.
  'payloads.delete': {
    api: 'platform',
    label: 'platform API, payloads',
    retry: 'idempotent',
    needsPermission: true,
  },
  // fal keys carry permission presets: one without models:requests:read is refused here, and still good.
  'requests.search': {
    api: 'platform',
    label: 'platform API, request history',
    retry: 'idempotent',
    needsPermission: true,
  },
  'requests.by-endpoint': {
    api: 'platform',
    label: 'platform API, request history',
    retry: 'idempotent',
    needsPermission: true,
  },
  'queue.submit': { api: 'queue', label: 'queue, submit', retry: 'rate-limit-only' },
  'queue.status': { api: 'queue', label: 'queue, status', retry: 'idempotent' },
  // A stream that breaks is replaced by polling, never re-opened within one wait.
  'queue.stream': { api: 'queue', label: 'queue, status stream', retry: 'none' },
  'queue.result': { api: 'queue', label: 'queue, result', retry: 'result' },
  'queue.cancel': { api: 'queue', label: 'queue, cancel', retry: 'idempotent' },
  // An unused upload slot costs nothing, so initiate may be asked again.
  'storage.initiate': { api: 'storage', label: 'storage, initiate', retry: 'idempotent' },
  'storage.multipart': { api: 'storage', label: 'storage, multipart initiate', retry: 'idempotent' },
  // A streamed body cannot be sent twice.
  'storage.upload': { api: 'storage', label: 'storage, upload', retry: 'none' },
  // Parts are retried by the multipart uploader itself, which can read a part again.
  'storage.part': { api: 'storage', label: 'storage, upload part', retry: 'none' },
  'storage.complete': { api: 'storage', label: 'storage, multipart complete', retry: 'none' },
};

export const ALL_ROUTES = Object.keys(FAL_ROUTES) as FalRoute[];

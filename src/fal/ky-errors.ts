import type { HTTPError, TimeoutError } from 'ky';

// ky is loaded on the client's first call to fal, not at start (cold start), so its errors are told
// apart the way ky's own guards (isHTTPError, isTimeoutError) also do: by name, and by the request
// they carry, which a signal's DOMException named TimeoutError does not.

/** fal answered with a status ky treats as an error. */
export function isHttpError(error: unknown): error is HTTPError {
  return error instanceof Error && error.name === 'HTTPError' && 'response' in error && 'request' in error;
}

/** ky's own timeout (UPSTREAM_TIMEOUT_MS) ran out before fal answered. */
export function isKyTimeout(error: unknown): error is TimeoutError {
  return error instanceof Error && error.name === 'TimeoutError' && 'request' in error;
}

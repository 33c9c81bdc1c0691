import { errorBodyOf } from './error-body.js';
import { FalError, falErrorFromResponse } from './errors.js';
import { isHttpError, isKyTimeout } from './ky-errors.js';
import type { FalRoute } from './routes.js';

// Connection errors that prove the request never left: nothing can have been accepted.
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Only what says fal itself is unwell may open a circuit: timeouts, connection
 * errors, and 502/503/504 from fal's gateway. On the result route fal passes the
 * model's own status through, so an HTTP answer there is the model's, never fal's,
 * unless it is a gateway error without the model's error body.
 */
export function isFalHealthEvidence(route: FalRoute, error: FalError): boolean {
  if (error.kind !== 'unavailable' || error.circuitOpen) return false;
  // Timeouts, resets, refused connections, an answer cut off mid-way.
  if (error.status === undefined) return true;
  if (![502, 503, 504].includes(error.status)) return false;
  return route !== 'queue.result' || !error.modelBody;
}

/**
 * A failed call as a FalError. `sendsWork`: the request could create something at
 * fal (not a GET), so a failure after it was sent leaves its outcome unknown.
 */
export async function toFalError(
  error: unknown,
  sendsWork: boolean,
  signal?: AbortSignal,
): Promise<FalError> {
  if (error instanceof FalError) return error;
  if (isHttpError(error)) {
    return falErrorFromResponse(error.response.status, error.response.headers, errorBodyOf(error.response));
  }
  if (isKyTimeout(error)) {
    return new FalError({ kind: 'unavailable', message: 'fal did not answer in time', ambiguous: sendsWork });
  }
  if (signal?.aborted || (error instanceof Error && error.name === 'AbortError')) {
    return new FalError({
      kind: 'unavailable',
      message: 'the request to fal was cancelled',
      ambiguous: sendsWork,
    });
  }
  const code = connectionCode(error);
  const neverSent = code !== undefined && NOT_SENT.has(code);
  return new FalError({
    kind: 'unavailable',
    message: neverSent
      ? 'could not reach fal (connection refused)'
      : 'could not reach fal (connection failed)',
    ambiguous: sendsWork && !neverSent,
  });
}

function connectionCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

import { FalError } from '../fal/errors.js';
import { InvalidIdentifierError } from '../fal/queue-paths.js';
import { UnknownModelError } from '../registry/resolve.js';

/** A mistake the caller can fix; its message is shown as is. */
export class UserError extends Error {
  override name = 'UserError';
}

const KEY_HELP =
  'Send your fal key with every MCP request as the "X-Fal-Key: <key>" header (or "Authorization: Key <key>"). ' +
  'Keys are created at https://fal.ai/dashboard/keys.';

export class MissingKeyError extends UserError {
  constructor(what: string) {
    super(`${what} needs a fal key, and this request carried none. ${KEY_HELP}`);
  }
}

/** The text an agent sees for an upstream failure: what failed, why, what to do next. */
export function describeFalError(error: FalError): string {
  const status = error.status ? ` (HTTP ${error.status})` : '';
  switch (error.kind) {
    case 'auth':
      return `fal refused the key${status}: ${error.message}. Check the key you send in X-Fal-Key; usage and analytics need an admin key.`;
    case 'not_found':
      return `fal does not know this model or request${status}: ${error.message}. Use search_models or list_models to find a valid endpoint id.`;
    case 'validation': {
      const fields = error.details.map((d) => `${d.field}: ${d.message}`).join('; ');
      return `fal rejected the input${status}: ${fields || error.message}. Fix these fields and call again.`;
    }
    case 'rate_limited':
      return `fal is rate limiting this key${status}. Retry after ${error.retryAfterSeconds ?? 'a few'} seconds.`;
    case 'unavailable':
      return `fal is unavailable right now${status}: ${error.message}. Try again shortly.`;
    case 'bad_response':
      return `fal answered in an unexpected way${status}: ${error.message}. Try again; if it persists, report it.`;
    case 'too_large':
      return `${error.message}. Ask for less (fewer or smaller outputs, no sync_mode), or call fal directly.`;
    case 'busy':
      return `This server is busy: ${error.message}. Nothing failed at fal; try again in a few seconds.`;
  }
}

export interface ErrorReport {
  text: string;
  /** Worth logging at error level (not the caller's fault). */
  internal: boolean;
}

export function describeError(error: unknown, requestId: string): ErrorReport {
  if (
    error instanceof UserError ||
    error instanceof UnknownModelError ||
    error instanceof InvalidIdentifierError
  )
    return { text: error.message, internal: false };
  if (error instanceof FalError)
    return { text: describeFalError(error), internal: error.kind === 'bad_response' };
  return {
    text: `Internal error while handling this call (request id ${requestId}). Try again.`,
    internal: true,
  };
}

/** The caller, narrowed to one that carries a key; throws the "send X-Fal-Key" error otherwise. */
export function requireKey<C extends { key: unknown }>(
  caller: C,
  what: string,
): C & { key: NonNullable<C['key']> } {
  if (caller.key === undefined || caller.key === null) throw new MissingKeyError(what);
  return caller as C & { key: NonNullable<C['key']> };
}

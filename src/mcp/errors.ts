import type { Caller } from '../auth/caller.js';
import { MissingKeyError, UserError } from '../errors.js';
import { FalError } from '../fal/errors.js';
import type { NeedsKey } from '../tools/define-tool.js';

/** Generic error types only restate the HTTP status; fal's others (content_policy_violation, runner_disconnected) say what happened. */
const RESTATES_STATUS = new Set([
  'client_error',
  'internal_error',
  'authorization_error',
  'validation_error',
  'not_found',
  'rate_limited',
  'server_error',
  'not_implemented',
]);

/** The text an agent sees for an upstream failure: what failed, why, what to do next. */
export function describeFalError(error: FalError): string {
  const type = error.falType && !RESTATES_STATUS.has(error.falType) ? error.falType : '';
  const what = [error.status ? `HTTP ${error.status}` : '', type].filter(Boolean).join(', ');
  const status = what ? ` (${what})` : '';
  const retry =
    error.retryable === false
      ? ' fal says a retry cannot help: the same input fails the same way.'
      : error.retryable === true
        ? ' fal says another try may succeed.'
        : '';
  switch (error.kind) {
    case 'auth':
      return `fal refused the key${status}: ${error.message}. Check the key you send in X-Fal-Key.`;
    case 'not_found':
      return `fal does not know this model or request${status}: ${error.message}. Use search_models or list_models to find a valid endpoint id.`;
    case 'validation': {
      const fields = error.details.map((d) => `${d.field}: ${d.message}`).join('; ');
      return `fal rejected the input${status}: ${fields || error.message}. Fix these fields and call again.${retry}`;
    }
    case 'rate_limited':
      return `fal is rate limiting this key${status}. Retry after ${error.retryAfterSeconds ?? 'a few'} seconds.`;
    case 'unavailable':
      return `fal is unavailable right now${status}: ${error.message}. Try again shortly.${retry}`;
    case 'bad_response':
      return `fal answered in an unexpected way${status}: ${error.message}. Try again; if it persists, report it.${retry}`;
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

/**
 * What the tool runner checks before a handler runs: a key for every tool that
 * needs one. The refusal when fal turns down an ordinary key for an admin-only
 * tool is also decided here, from the tool's declaration.
 */
export function keyRefusal(
  tool: { name: string; needsKey: NeedsKey },
  caller: Caller,
): MissingKeyError | undefined {
  return tool.needsKey && caller.key === undefined ? new MissingKeyError(tool.name) : undefined;
}

export function adminKeyRefusal(tool: { name: string; needsKey: NeedsKey }, error: unknown): unknown {
  if (tool.needsKey !== 'admin' || !(error instanceof FalError) || error.kind !== 'auth') return error;
  return new UserError(
    `fal refused ${tool.name} (HTTP ${error.status ?? 401}): it needs an ADMIN key, and this key is not one ` +
      'or was refused. Create an admin key at https://fal.ai/dashboard/keys and send it in X-Fal-Key.',
  );
}

export function describeError(error: unknown, requestId: string): ErrorReport {
  if (error instanceof UserError) return { text: error.message, internal: false };
  if (error instanceof FalError)
    return { text: describeFalError(error), internal: error.kind === 'bad_response' };
  return {
    text: `Internal error while handling this call (request id ${requestId}). Try again.`,
    internal: true,
  };
}

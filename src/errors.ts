/**
 * The errors every layer may throw, at the bottom of the import graph. A
 * `UserError` is a mistake the caller can fix: its message is shown as is.
 * Anything else that reaches the tool runner is internal (logged with its stack).
 */
export class UserError extends Error {
  override name = 'UserError';
}

const KEY_HELP =
  'Send your fal key with every MCP request as the "X-Fal-Key: <key>" header (or "Authorization: Key <key>"). ' +
  'Keys are created at https://fal.ai/dashboard/keys.';

/** A tool that spends or reads the caller's account was called without a key. */
export class MissingKeyError extends UserError {
  override name = 'MissingKeyError';
  constructor(what: string) {
    super(`${what} needs a fal key, and this request carried none. ${KEY_HELP}`);
  }
}

/** An id a caller supplied that cannot be a fal endpoint or request id. */
export class InvalidIdentifierError extends UserError {
  override name = 'InvalidIdentifierError';
}

/** A model name that is neither an endpoint id nor an alias; carries the closest names. */
export class UnknownModelError extends UserError {
  override name = 'UnknownModelError';
  constructor(
    readonly input: string,
    readonly suggestions: readonly string[],
  ) {
    super(
      `Unknown model "${input}".` +
        (suggestions.length > 0 ? ` Closest matches: ${suggestions.join(', ')}.` : '') +
        ' Use search_models to find a model by what it does.',
    );
  }
}

/** fal no longer knows a job (its retention passed, or the id, model or key is wrong). */
export class ForgottenJobError extends UserError {
  override name = 'ForgottenJobError';
}

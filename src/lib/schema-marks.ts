import * as v from 'valibot';

/** The marks a tool schema carries for its listing (mcp/json-schema.ts reads them). */
export const SERVER_CHECKED = 'x-server-checked';
export const UNLISTED = 'x-unlisted';
export const TERSE = 'x-terse';

/**
 * Mark a field whose pattern, format, length bounds and lower bound only the
 * server needs (an id's character set, a URL's scheme, a wait that cannot be
 * negative): agents see its type and description, the server still checks it
 * all. Every byte of tools/list is paid in every agent's context.
 */
export function serverChecked<TInput>(): v.MetadataAction<TInput, { [SERVER_CHECKED]: true }> {
  return v.metadata({ [SERVER_CHECKED]: true });
}

/**
 * Mark an optional output field the text mirror already tells (a queue position,
 * log lines): it is returned and validated as always, but not listed in the
 * output schema agents read with tools/list.
 */
export function unlisted<TInput>(): v.MetadataAction<TInput, { [UNLISTED]: true }> {
  return v.metadata({ [UNLISTED]: true });
}

/**
 * Mark an argument another tool of the same toolset describes under the same
 * name (the run options every media tool shares: generate_image and run_model
 * say what they are, with their upper bounds): listed with its type and lower
 * bound only.
 */
export function terse<TInput>(): v.MetadataAction<TInput, { [TERSE]: true }> {
  return v.metadata({ [TERSE]: true });
}

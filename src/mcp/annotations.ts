import type { ToolAnnotations } from '@modelcontextprotocol/server';

/** Reads fal (catalogue, schemas, prices): the same call gives the same answer. */
export const READS = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: true,
} as const satisfies ToolAnnotations;

/** Reads the caller's account as it is right now (usage): asking again may answer differently. */
export const READS_LIVE = { ...READS, idempotentHint: false } as const satisfies ToolAnnotations;

/** Runs a model, or stores a file, on the caller's account, and so spends money. */
export const RUNS_MODEL = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
} as const satisfies ToolAnnotations;

/** Stops work already paid for: cannot be undone, but cancelling twice does no more. */
export const CANCELS = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: true,
} as const satisfies ToolAnnotations;

/** Deletes for good: destructive, and deleting twice deletes once. */
export const DELETES = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: true,
} as const satisfies ToolAnnotations;

// The spec's defaults; destructive and idempotent say nothing about a read-only tool.
const DEFAULTS = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

/** The hints a client could not infer: those that differ from the spec's defaults. */
export function listedAnnotations(hints: ToolAnnotations): ToolAnnotations {
  const listed: ToolAnnotations = {};
  for (const key of Object.keys(DEFAULTS) as (keyof typeof DEFAULTS)[]) {
    const value = hints[key];
    if (value === undefined || value === DEFAULTS[key]) continue;
    if (hints.readOnlyHint === true && (key === 'destructiveHint' || key === 'idempotentHint')) continue;
    listed[key] = value;
  }
  return listed;
}

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

/** Runs a model on the caller's account, and so spends money; running again spends again. */
export const RUNS_MODEL = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
} as const satisfies ToolAnnotations;

/** Stores a file in fal's storage (billed as storage, not as a run); each upload is a new file. */
export const STORES_FILE = { ...RUNS_MODEL } as const satisfies ToolAnnotations;

/** Cancels or deletes: cannot be undone, and doing it twice does no more than once. */
export const DESTRUCTIVE = {
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

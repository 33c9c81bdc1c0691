import * as v from 'valibot';

const maybe = v.optional(v.string());

/**
 * A model as the registry keeps it: fal's metadata, flattened and normalised.
 * The one definition: the type is derived from it, and snapshots other
 * machines publish are checked against it.
 */
export const FalModelSchema = v.object({
  id: v.string(),
  name: v.string(),
  description: v.string(),
  /** fal's category, e.g. `text-to-image`. */
  category: v.string(),
  owner: v.string(),
  status: v.string(),
  tags: v.array(v.string()),
  highlighted: v.boolean(),
  groupKey: maybe,
  groupLabel: maybe,
  thumbnailUrl: maybe,
  modelUrl: maybe,
  updatedAt: maybe,
  date: maybe,
});
export type FalModel = v.InferOutput<typeof FalModelSchema>;

/** How a legacy alias was served when its target has left the catalogue. */
export interface AliasRepair {
  alias: string;
  staleTarget: string;
  resolvedTo: string;
}

export type CatalogueSource = 'live' | 'fallback';

/** One immutable snapshot of the catalogue; a refresh swaps the whole object. */
export interface Catalogue {
  readonly models: ReadonlyMap<string, FalModel>;
  /** All models in a stable order (id ascending). */
  readonly list: readonly FalModel[];
  /** alias → endpoint id */
  readonly aliases: ReadonlyMap<string, string>;
  /** endpoint id → its aliases */
  readonly aliasesById: ReadonlyMap<string, readonly string[]>;
  readonly repairs: ReadonlyMap<string, AliasRepair>;
  readonly fetchedAt: number;
  readonly ttlMs: number;
  readonly source: CatalogueSource;
  readonly fallbackReason: string | undefined;
  /** Entries fal sent that failed validation. */
  readonly skipped: number;
}

/** A model as the registry keeps it: fal's metadata, flattened and normalised. */
export interface FalModel {
  id: string;
  name: string;
  description: string;
  /** fal's category, e.g. `text-to-image`. */
  category: string;
  owner: string;
  status: string;
  tags: readonly string[];
  highlighted: boolean;
  groupKey: string | undefined;
  groupLabel: string | undefined;
  thumbnailUrl: string | undefined;
  modelUrl: string | undefined;
  updatedAt: string | undefined;
  date: string | undefined;
}

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

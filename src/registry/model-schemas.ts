import { UnknownModelError } from '../errors.js';
import type { Credential, FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { fetchModelsPage } from '../fal/platform.js';
import type { ModelEntry } from '../fal/schemas.js';
import type { JsonObject } from '../lib/is-object.js';
import { LruTtlCache } from '../lib/lru.js';
import type { Secret } from '../lib/secret.js';
import { modelFromEntry } from './catalogue.js';
import type { ModelRegistry } from './registry.js';
import { closestNames, resolveModel } from './resolve.js';
import { type SchemaSummary, schemasFromOpenApi, summarizeSchemas } from './schema-summary.js';
import type { FalModel } from './types.js';

export interface ModelSchema {
  id: string;
  model: FalModel;
  input: JsonObject;
  output: JsonObject;
  summary: SchemaSummary;
}

export interface SchemaLookup {
  schema: ModelSchema;
  note: string | undefined;
}

/**
 * Input/output schemas per endpoint from `expand=openapi-3.0`, cached (LRU + TTL)
 * and fetched once however many callers ask at the same time. The shared cache
 * is filled with the crawl key only; a caller's private app is fetched with the
 * caller's key and never cached.
 */
export class ModelSchemaService {
  readonly #cache: LruTtlCache<string, ModelSchema>;
  readonly #inflight = new Map<string, Promise<ModelSchema | undefined>>();

  constructor(
    private readonly deps: {
      fal: FalClient;
      registry: ModelRegistry;
      crawlKey: Secret | undefined;
      ttlMs: number;
      maxEntries?: number;
      onLookup?: (hit: boolean) => void;
    },
  ) {
    this.#cache = new LruTtlCache(deps.maxEntries ?? 300, deps.ttlMs);
  }

  /** The shared schema of a model if it is cached, without fetching it. */
  cached(id: string): ModelSchema | undefined {
    return this.#cache.get(id);
  }

  /**
   * The schema of a model for `caller`: the shared copy (fetched with the crawl key,
   * its failures counted against whoever triggered the fetch), else the caller's own view.
   */
  async get(name: string, caller: Credential | undefined, signal?: AbortSignal): Promise<SchemaLookup> {
    const catalogue = await this.deps.registry.catalogue();
    const resolved = resolveModel(catalogue, name);
    const cached = this.#cache.get(resolved.id);
    this.deps.onLookup?.(cached !== undefined);
    if (cached) return { schema: cached, note: resolved.note };

    let schema = await this.#sharedFetch(resolved.id, caller?.tenant ?? 'anonymous');
    if (!schema && caller?.key) {
      schema = await fetchSchema(this.deps.fal, resolved.id, caller, signal);
      if (schema)
        return { schema, note: `${resolved.id} is visible to your key only; its schema was not cached.` };
    }
    if (!schema) throw new UnknownModelError(name, closestNames(catalogue, name));
    // A note on an id the catalogue did not know ("may be a private app") is moot once fal served its schema.
    return { schema, note: resolved.model ? resolved.note : undefined };
  }

  #sharedFetch(id: string, tenant: string): Promise<ModelSchema | undefined> {
    let pending = this.#inflight.get(id);
    if (!pending) {
      pending = fetchSchema(this.deps.fal, id, { key: this.deps.crawlKey, tenant })
        .then((schema) => {
          if (schema) this.#cache.set(id, schema);
          return schema;
        })
        .finally(() => this.#inflight.delete(id));
      this.#inflight.set(id, pending);
    }
    return pending;
  }
}

async function fetchSchema(
  fal: FalClient,
  id: string,
  as: Credential,
  signal?: AbortSignal,
): Promise<ModelSchema | undefined> {
  const page = await fetchModelsPage(fal, { endpointIds: [id], expandOpenApi: true, limit: 1 }, as, signal);
  const entry: ModelEntry | undefined = page.models.find((m) => m.endpoint_id === id);
  if (!entry) return undefined;
  const doc = entry.openapi;
  if (typeof doc !== 'object' || doc === null || 'error' in doc) {
    const detail = (doc as { error?: { message?: string } } | null)?.error?.message ?? 'no document';
    throw new FalError({
      kind: 'bad_response',
      message: `fal could not produce the OpenAPI schema of ${id}: ${detail}`,
    });
  }
  const { input, output } = schemasFromOpenApi(doc as JsonObject, id);
  return { id, model: modelFromEntry(entry), input, output, summary: summarizeSchemas(input, output) };
}

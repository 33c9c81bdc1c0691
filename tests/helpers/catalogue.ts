import * as v from 'valibot';
import { ModelEntrySchema } from '../../src/fal/schemas.js';
import { buildCatalogue } from '../../src/registry/catalogue.js';
import type { Catalogue } from '../../src/registry/types.js';
import { type EmulatedModel, loadCatalogue } from '../emulator/catalogue.js';

/** The emulator's 1,207-model catalogue as the registry would build it after a crawl. */
export function liveCatalogue(filter: (m: EmulatedModel) => boolean = () => true): Catalogue {
  const entries = loadCatalogue()
    .filter(filter)
    .map((m) => v.parse(ModelEntrySchema, { endpoint_id: m.endpoint_id, metadata: m.metadata }));
  return buildCatalogue(entries, 0, Date.now(), 3_600_000);
}

import * as v from 'valibot';
import type { SharedStore } from '../store/store.js';
import { ignoreUnavailable } from './idempotency.js';
import { parseStored } from './job-record.js';

/** A job this server submitted for the tenant. */
const JobEntrySchema = v.object({
  kind: v.literal('job'),
  id: v.string(),
  model: v.string(),
  at: v.number(),
});

/** A file the tenant uploaded through this server (fal cannot delete uploads: they stay until they expire). */
const UploadEntrySchema = v.object({
  kind: v.literal('upload'),
  url: v.string(),
  content_type: v.string(),
  size: v.optional(v.number()),
  at: v.number(),
  expires_at: v.optional(v.number()),
});

const EntrySchema = v.variant('kind', [JobEntrySchema, UploadEntrySchema]);
export type IndexEntry = v.InferOutput<typeof EntrySchema>;
export type JobEntry = v.InferOutput<typeof JobEntrySchema>;
export type UploadEntry = v.InferOutput<typeof UploadEntrySchema>;

/** As long as fal keeps request history (30 days of payloads). */
const INDEX_TTL_MS = 30 * 24 * 3600_000;
/** The newest this many jobs and uploads per tenant; older ones are found through fal's history. */
export const INDEX_MAX_ENTRIES = 500;

/**
 * Each tenant's jobs and uploads, newest first, in the shared store: what
 * list_jobs shows of this server's own work, and in shared-key mode the proof
 * of which requests on the operator's account are this access token's.
 */
export class JobIndex {
  constructor(private readonly store: SharedStore) {}

  async add(tenant: string, entry: IndexEntry): Promise<void> {
    await this.store
      .pushCapped(indexKey(tenant), JSON.stringify(entry), INDEX_MAX_ENTRIES, INDEX_TTL_MS)
      .catch(ignoreUnavailable);
  }

  /** Newest first; entries that do not parse (another version wrote them) are skipped. */
  async entries(tenant: string): Promise<IndexEntry[]> {
    const raw = await this.store.list(indexKey(tenant));
    return raw.flatMap((item) => {
      const entry = parseStored(EntrySchema, item);
      return entry ? [entry] : [];
    });
  }
}

const indexKey = (tenant: string) => `index:${tenant}`;

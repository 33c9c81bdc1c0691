import * as v from 'valibot';

export const MEDIA_KINDS = ['image', 'video', 'audio', '3d', 'archive', 'text', 'file'] as const;

/** One media file found in a model's output. */
export const MediaFileSchema = v.object({
  /** Where in the output it was found, e.g. `images[0]`. */
  field: v.string(),
  url: v.string(),
  mime_type: v.optional(v.string()),
  kind: v.picklist(MEDIA_KINDS),
  name: v.string(),
  width: v.optional(v.number()),
  height: v.optional(v.number()),
  file_size: v.optional(v.number()),
  /** Seconds of a video or audio file, when fal says. */
  duration: v.optional(v.number()),
});
export type MediaFile = v.InferOutput<typeof MediaFileSchema>;

/**
 * How a job ended, as this server first saw it (a wait, check_job, or fal's
 * webhook), kept because fal forgets results after 1 h (6 min when ≥ 10 KB).
 */
export const OutcomeSchema = v.object({
  status: v.picklist(['COMPLETED', 'FAILED', 'CANCELLED']),
  result: v.optional(v.record(v.string(), v.unknown())),
  media: v.array(MediaFileSchema),
  error: v.optional(v.string()),
  error_type: v.optional(v.string()),
  inference_seconds: v.optional(v.number()),
  notes: v.array(v.string()),
  /** The output was too large to keep whole: the media links are kept, fal is asked for the rest. */
  partial: v.optional(v.boolean()),
  keptAt: v.number(),
});
export type Outcome = v.InferOutput<typeof OutcomeSchema>;

/** What the caller asked of a media run, checked against what comes back. */
export const AskedSchema = v.object({
  aspect_ratio: v.optional(v.string()),
  width: v.optional(v.number()),
  height: v.optional(v.number()),
  num_images: v.optional(v.number()),
  duration: v.optional(v.number()),
});
export type Asked = v.InferOutput<typeof AskedSchema>;

export const JobRecordSchema = v.object({
  requestId: v.string(),
  model: v.string(),
  submittedAt: v.number(),
  /** Set when an idempotency key created this job. */
  idempotencyKey: v.optional(v.string()),
  /** The tool that started it: check_job, tasks/get and webhooks present the result as that tool does. */
  tool: v.optional(v.string()),
  asked: v.optional(AskedSchema),
  /** What the run was estimated to cost before it was submitted, and how. */
  estimate: v.optional(v.object({ usd: v.number(), basis: v.string() })),
  /** Set when fal was told to store no payloads, or to expire the media (epoch ms). */
  privacy: v.optional(v.object({ storePayload: v.boolean(), mediaExpiresAt: v.optional(v.number()) })),
  /** delete_payloads removed its stored inputs, outputs and files at fal. */
  payloadsDeleted: v.optional(v.boolean()),
  outcome: v.optional(OutcomeSchema),
});
export type JobRecord = v.InferOutput<typeof JobRecordSchema>;

/** The record of a job just submitted: what it was, who started it, what it was asked and estimated, what fal keeps. */
export function submittedRecord(
  requestId: string,
  model: string,
  req: {
    idempotencyKey?: string | undefined;
    tool?: string | undefined;
    asked?: Asked | undefined;
    privacy?: { storePayload?: boolean | undefined; expirationSeconds?: number | undefined } | undefined;
  },
  estimate: { usd: number; basis: string } | undefined,
): JobRecord {
  const submittedAt = Date.now();
  const { storePayload = true, expirationSeconds } = req.privacy ?? {};
  const expires =
    expirationSeconds !== undefined ? { mediaExpiresAt: submittedAt + expirationSeconds * 1000 } : {};
  return {
    requestId,
    model,
    submittedAt,
    ...(!storePayload || expirationSeconds !== undefined ? { privacy: { storePayload, ...expires } } : {}),
    ...(req.idempotencyKey ? { idempotencyKey: req.idempotencyKey } : {}),
    ...(req.tool ? { tool: req.tool } : {}),
    ...(req.asked ? { asked: req.asked } : {}),
    ...(estimate ? { estimate: { usd: estimate.usd, basis: estimate.basis } } : {}),
  };
}

/** Entries come back from a store other processes write to: check them, and treat garbage as absent. */
export function parseStored<S extends v.GenericSchema>(
  schema: S,
  raw: string | undefined,
): v.InferOutput<S> | undefined {
  if (raw === undefined) return undefined;
  try {
    const result = v.safeParse(schema, JSON.parse(raw));
    return result.success ? result.output : undefined;
  } catch {
    return undefined;
  }
}

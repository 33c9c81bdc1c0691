import * as v from 'valibot';
import { serverChecked } from '../lib/schema-marks.js';

/** Shared parameter pieces of the job tools. */
export const JobParams = {
  input: v.pipe(
    v.record(v.string(), v.unknown()),
    v.description("The model's inputs (see get_model_schema); files as URLs (upload_file)."),
  ),
  max_cost_usd: v.optional(
    v.pipe(v.number(), v.minValue(0), v.description("Cost cap (USD) on fal's estimate."), serverChecked()),
  ),
  confirm_above_usd: v.optional(
    v.pipe(
      v.number(),
      v.minValue(0),
      v.description('Ask the user first above this estimate (USD).'),
      serverChecked(),
    ),
  ),
  idempotency_key: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1),
      v.maxLength(200),
      v.description('Same key (24 h): same job, billed once.'),
      serverChecked(),
    ),
  ),
  request_id: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1),
    v.maxLength(128),
    v.description('The request_id fal returned.'),
    serverChecked(),
  ),
  /** Inline image previews (default on): described by the tools that offer it, to keep tools/list small. */
  preview: v.optional(v.pipe(v.boolean(), v.description('Image previews.')), true),
  wait_seconds: v.optional(
    v.pipe(v.number(), v.minValue(0), v.description('Seconds to wait (default 20).'), serverChecked()),
  ),
};

import * as v from 'valibot';
import { MAX_EXPIRATION_SECONDS, MIN_EXPIRATION_SECONDS } from '../config-schema.js';
import { serverChecked } from '../lib/schema-marks.js';

/** Shared parameter pieces of the job tools. */
export const JobParams = {
  input: v.pipe(
    v.record(v.string(), v.unknown()),
    v.description("The model's inputs (see get_model_schema); files as URLs (upload_file)."),
  ),
  max_cost_usd: v.optional(
    v.pipe(v.number(), v.minValue(0), v.description('USD cap on the estimate.'), serverChecked()),
  ),
  confirm_above_usd: v.optional(
    v.pipe(v.number(), v.minValue(0), v.description('Ask the user above this (USD).'), serverChecked()),
  ),
  idempotency_key: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.minLength(1),
      v.maxLength(200),
      v.description('Retry key: same job, billed once.'),
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
  store_payload: v.optional(v.pipe(v.boolean(), v.description('false: fal keeps no copy.'))),
  expiration_seconds: v.optional(
    v.pipe(
      v.number(),
      v.integer(),
      v.minValue(MIN_EXPIRATION_SECONDS),
      v.maxValue(MAX_EXPIRATION_SECONDS),
      v.description('Media lifetime.'),
      serverChecked(),
    ),
  ),
  wait_seconds: v.optional(
    v.pipe(v.number(), v.minValue(0), v.description('Seconds to wait (default 20).'), serverChecked()),
  ),
};

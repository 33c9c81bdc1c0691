import * as v from 'valibot';
import { serverChecked, terse } from '../lib/schema-marks.js';
import { JobParams } from './job-params.js';
import { ModelNameParam } from './params.js';

const url = (what: string) =>
  v.pipe(
    v.string(),
    v.trim(),
    v.url(`${what} must be a URL`),
    v.regex(/^(https?:|data:)/, `${what} must be http(s) (use upload_file for local files)`),
    serverChecked(),
  );

/**
 * The most any prompt-like text may be here: generous, as LLMs write long prompts. The model's own
 * schema sets the real limit, and the input is checked against it before submitting.
 */
export const PROMPT_MAX = 10_000;

/** Parameters the media tools share, described once. */
export const MediaParams = {
  model: v.optional(v.pipe(ModelNameParam, v.description('Another model.'))),
  wait_seconds: JobParams.wait_seconds,
  max_cost_usd: JobParams.max_cost_usd,
  idempotency_key: JobParams.idempotency_key,
  seed: v.optional(v.pipe(v.number(), v.integer(), v.description('Reproduces a result.'))),
  negative_prompt: v.optional(
    v.pipe(v.string(), v.maxLength(PROMPT_MAX), v.description('What to avoid.'), serverChecked()),
  ),
  aspect_ratio: v.optional(
    v.pipe(
      v.string(),
      v.trim(),
      v.regex(/^\d+(\.\d+)?:\d+(\.\d+)?$/, 'an aspect ratio such as 16:9'),
      v.description('e.g. 16:9 (nearest supported).'),
      serverChecked(),
    ),
  ),
  image_url: (description: string) => v.optional(v.pipe(url('image_url'), v.description(description))),
  video_url: (description: string) => v.optional(v.pipe(url('video_url'), v.description(description))),
  audio_url: url('audio_url'),
  urlOf: url,
};

/** The fields every media tool ends with: which model, how long to wait, the cost cap, the retry key, nearest values, privacy. */
export const MediaRunFields = {
  model: MediaParams.model,
  wait_seconds: MediaParams.wait_seconds,
  max_cost_usd: MediaParams.max_cost_usd,
  idempotency_key: MediaParams.idempotency_key,
  accept_nearest: v.optional(v.pipe(v.boolean(), v.description("Use nearest values, don't refuse."))),
  store_payload: JobParams.store_payload,
  expiration_seconds: JobParams.expiration_seconds,
};

/**
 * The same fields listed without their words: every media tool but
 * generate_image takes these (one media tool and run_model describe them for
 * any toolset), so the words are paid once, not six times.
 */
export const MediaRunFieldsTerse = Object.fromEntries(
  Object.entries(MediaRunFields).map(([name, field]) => [name, tersely(field)]),
) as unknown as typeof MediaRunFields;

/** One shared field listed without its words (generate_image describes it). */
export function tersely<S extends v.GenericSchema>(field: S) {
  return v.pipe(field, terse());
}

import { errorBodyOf } from './error-body.js';
import { isModelErrorBody, parseRetryAfter, retryableHeader } from './errors.js';
import { isHttpError } from './ky-errors.js';
import type { RetryPolicy } from './routes.js';

const RETRYABLE_STATUS = [408, 429, 500, 502, 503, 504];
// A 500 on the result route is the model's own failure: asking again gives the same answer.
const RESULT_RETRYABLE_STATUS = [408, 429, 502, 503, 504];

export interface RetryBudget {
  limit: number;
  maxRetryAfterMs: number;
  backoffLimitMs: number;
  /** When the caller stops waiting (epoch ms). */
  deadline: number;
}

/** ky's retry options for one policy (routes.ts says which route gets which). */
export function retryOptions(policy: RetryPolicy, budget: RetryBudget) {
  if (policy === 'none') return { limit: 0 };
  return {
    limit: budget.limit,
    methods: ['get', 'post', 'put', 'delete'],
    statusCodes:
      policy === 'result' ? RESULT_RETRYABLE_STATUS : policy === 'idempotent' ? RETRYABLE_STATUS : [429],
    afterStatusCodes: [429, 503],
    maxRetryAfter: budget.maxRetryAfterMs,
    backoffLimit: budget.backoffLimitMs,
    jitter: true,
    retryOnTimeout: policy !== 'rate-limit-only',
    // false stops; undefined lets ky's own rules (status list, Retry-After) decide.
    shouldRetry: ({ error }: { error: Error }): false | undefined => {
      if (!isHttpError(error)) {
        // A submit that failed in transit may have been accepted: never send it again.
        return policy === 'rate-limit-only' ? false : undefined;
      }
      // fal says outright that another try cannot help (a content check, a bad input).
      if (retryableHeader(error.response.headers) === false) return false;
      const after = parseRetryAfter(error.response.headers.get('retry-after'));
      // fal asks for more patience than the caller has: report it now rather than hold the call.
      if (
        after !== undefined &&
        after * 1000 > Math.min(budget.maxRetryAfterMs, budget.deadline - Date.now())
      ) {
        return false;
      }
      if (policy === 'result' && isModelErrorBody(errorBodyOf(error.response))) return false;
      return undefined;
    },
  };
}

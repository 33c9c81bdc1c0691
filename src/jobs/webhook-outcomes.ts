import { falErrorFromResponse } from '../fal/errors.js';
import type { Logger } from '../log.js';
import type { Outcome } from './job-record.js';
import type { JobStore } from './job-store.js';
import { failureOutcome } from './job-view.js';
import { mapOutput } from './results.js';

/** One delivery of fal's webhook, already verified. */
export interface WebhookDelivery {
  requestId: string;
  status: 'OK' | 'ERROR';
  payload: unknown;
  error: string | undefined;
  /** fal could not put the job's output in the delivery (e.g. too large to serialize). */
  payloadError?: string | undefined;
}

export type DeliveryVerdict = 'kept' | 'unknown_request' | 'no_payload';

/**
 * Keep a delivered outcome for the tenant whose webhook token it came on, and
 * only for that tenant's own request: a token speaks for nobody else's jobs.
 * A success whose output fal could not deliver is not kept (fal's result route
 * still has it, and the next check fetches it); a failure is kept with fal's
 * error, its field details and any payload error.
 */
export async function keepDelivery(
  store: JobStore,
  logger: Logger,
  tenant: string,
  delivery: WebhookDelivery,
): Promise<DeliveryVerdict> {
  const owner = await store.owner(delivery.requestId);
  if (!owner || owner.tenant !== tenant) return 'unknown_request';
  let outcome: Outcome;
  if (delivery.status === 'OK') {
    if (typeof delivery.payload !== 'object' || delivery.payload === null) {
      if (delivery.payloadError) {
        logger.info('webhook without its output; the result is fetched from fal', {
          tenant,
          requestId: delivery.requestId,
          payloadError: delivery.payloadError.slice(0, 200),
        });
      }
      return 'no_payload';
    }
    const mapped = mapOutput(delivery.payload as Record<string, unknown>);
    outcome = {
      status: 'COMPLETED',
      result: mapped.output,
      media: mapped.media,
      notes: [],
      keptAt: Date.now(),
    };
  } else {
    const detail = falErrorFromResponse(422, new Headers(), delivery.payload);
    const fields = detail.details.map((d) => `${d.field}: ${d.message}`).join('; ');
    const said = [delivery.error, fields].filter(Boolean).join(': ') || 'the job failed';
    const lost = delivery.payloadError
      ? ` (fal could not deliver its details: ${delivery.payloadError})`
      : '';
    outcome = failureOutcome(`${said}${lost}`, detail.falType);
  }
  const record = (await store.find(tenant, delivery.requestId)) ?? {
    requestId: delivery.requestId,
    model: owner.model,
    submittedAt: Date.now(),
  };
  await store.keep(tenant, record, outcome);
  logger.info('job outcome received', { tenant, requestId: delivery.requestId });
  return 'kept';
}

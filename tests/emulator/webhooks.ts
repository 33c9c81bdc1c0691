import { createHash, sign } from 'node:crypto';
import { completedAt, type EmulatorState, type Job } from './state.js';

export interface SignedDelivery {
  body: string;
  headers: Record<string, string>;
}

/** fal's webhook signature: Ed25519 over request id, user id, timestamp and the body's hex SHA-256. */
export function signDelivery(
  state: EmulatorState,
  body: string,
  opts: { requestId: string; userId?: string; timestamp?: number },
): SignedDelivery {
  const userId = opts.userId ?? 'emulator-user';
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const digest = createHash('sha256').update(body).digest('hex');
  const message = Buffer.from([opts.requestId, userId, timestamp, digest].join('\n'));
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-fal-webhook-request-id': opts.requestId,
      'x-fal-webhook-user-id': userId,
      'x-fal-webhook-timestamp': timestamp,
      'x-fal-webhook-signature': sign(null, message, state.signingKey.privateKey).toString('hex'),
    },
  };
}

/** The JWKS fal publishes its webhook keys in. */
export function jwksOf(state: EmulatorState) {
  const jwk = state.signingKey.publicKey.export({ format: 'jwk' });
  return { keys: [{ ...jwk, kid: 'emulator-1', use: 'sig', alg: 'EdDSA' }] };
}

/**
 * When the job ends, POST its outcome to the webhook URL it was submitted with,
 * signed, retrying a delivery that is not answered 2xx (fal: 10 times over 2 h).
 */
export function scheduleWebhook(
  state: EmulatorState,
  job: Job,
  payloadOf: (job: Job) => Promise<unknown>,
): void {
  if (!job.webhook) return;
  const url = job.webhook;
  const record = { url, requestId: job.requestId, attempts: 0, statuses: [] as number[] };
  state.webhooks.push(record);
  const attempt = async () => {
    record.attempts++;
    const failed = job.cancelled || job.timing.fail || job.timing.modelError;
    // fal retried the request: the delivery names the last try, and (fal does not say) signs with its id.
    const gatewayId = job.timing.retried ? `${job.requestId}-try2` : job.requestId;
    const lost = job.timing.payloadError;
    const payload = lost || failed ? undefined : await payloadOf(job);
    const body = JSON.stringify({
      request_id: job.requestId,
      gateway_request_id: gatewayId,
      status: failed ? 'ERROR' : 'OK',
      payload: lost ? null : failed ? (job.timing.modelError?.body ?? null) : payload,
      ...(lost ? { payload_error: lost } : {}),
      ...(failed
        ? {
            error: job.cancelled
              ? 'Request was cancelled'
              : (job.timing.fail?.error ?? 'Invalid status code: 500'),
          }
        : {}),
    });
    const signed = signDelivery(state, body, { requestId: gatewayId });
    let status = 0;
    try {
      const response = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.body });
      status = response.status;
      await response.body?.cancel();
    } catch {
      status = 0;
    }
    record.statuses.push(status);
    if ((status < 200 || status >= 300) && record.attempts < state.webhookAttempts) {
      state.later(state.webhookRetryMs, () => void attempt());
    }
  };
  const wait = () => {
    const done = completedAt(job, state.now());
    if (done === undefined) return state.later(50, wait);
    void attempt();
  };
  state.later(job.timing.queueMs + job.timing.runMs, wait);
}

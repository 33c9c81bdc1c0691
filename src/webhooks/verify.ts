import { type KeyObject, verify } from 'node:crypto';
import type { FalWebhookKeys } from './fal-keys.js';

export interface SignedHeaders {
  requestId: string | undefined;
  userId: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

export type Verdict =
  | { ok: true; requestId: string }
  | { ok: false; reason: 'unsigned' | 'stale' | 'forged' | 'keys_unavailable' };

/** Deliveries older or newer than this are refused, so a captured one cannot be replayed later. */
export const MAX_SKEW_SECONDS = 300;

/**
 * fal's webhook signature (fal's docs, "Verifying your webhook"): Ed25519 over
 * request id, user id, timestamp and the hex SHA-256 of the raw body, joined by
 * newlines; the signature is hex; the keys come from fal's JWKS.
 */
/** What can be refused from the headers alone, before the body is read. */
export function precheckDelivery(
  headers: SignedHeaders,
  nowSeconds: number = Date.now() / 1000,
): Extract<Verdict, { ok: false }> | undefined {
  const { requestId, userId, timestamp, signature } = headers;
  if (!requestId || !userId || !timestamp || !signature) return { ok: false, reason: 'unsigned' };
  if (!/^\d{1,12}$/.test(timestamp) || !/^(?:[0-9a-f]{2}){64}$/i.test(signature)) {
    return { ok: false, reason: 'forged' };
  }
  if (Math.abs(nowSeconds - Number(timestamp)) > MAX_SKEW_SECONDS) return { ok: false, reason: 'stale' };
  return undefined;
}

/** `bodyDigest`: the hex SHA-256 of the raw body, computed as it streamed in. */
export async function verifyDelivery(
  headers: SignedHeaders,
  bodyDigest: string,
  keys: FalWebhookKeys,
  nowSeconds: number = Date.now() / 1000,
): Promise<Verdict> {
  const early = precheckDelivery(headers, nowSeconds);
  if (early) return early;
  // The precheck proved all four present.
  const { requestId = '', userId = '', timestamp = '', signature = '' } = headers;
  const message = Buffer.from([requestId, userId, timestamp, bodyDigest].join('\n'));
  const sig = Buffer.from(signature, 'hex');
  let known: KeyObject[];
  try {
    known = await keys.current();
  } catch {
    return { ok: false, reason: 'keys_unavailable' };
  }
  if (known.some((key) => verify(null, message, key, sig))) return { ok: true, requestId };
  const rotated = await keys.afterMiss().catch(() => undefined);
  if (rotated?.some((key) => verify(null, message, key, sig))) return { ok: true, requestId };
  return { ok: false, reason: 'forged' };
}

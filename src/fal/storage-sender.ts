import type { Readable } from 'node:stream';
import type { Secret } from '../lib/secret.js';
import type { CallGuard } from './call-guard.js';
import { FalError } from './errors.js';
import { type SentBody, sendBody, storageCode } from './put-stream.js';
import { FAL_ROUTES } from './routes.js';
import { isTrustedUploadUrl } from './upload-hosts.js';

export interface StorageSend {
  route: 'storage.upload' | 'storage.part' | 'storage.complete';
  method: 'PUT' | 'POST';
  body: Readable | Buffer;
  length: number;
  headers: Record<string, string>;
  /** Set when the bytes' own source failed: that error is the caller's story, not fal's. */
  sourceError?: () => unknown;
}

/**
 * Send bytes to a URL fal's storage handed out (a one-shot PUT, a multipart
 * part, or a multipart `complete`). Only to fal's own hosts (or the configured
 * storage origin): the URL came from upstream and is never trusted to point
 * anywhere else. It carries no key: the URL itself authorizes the write.
 */
export async function sendToStorage(
  guard: CallGuard,
  storageUrl: string,
  url: string,
  send: StorageSend,
  as: { key: Secret | undefined; tenant: string },
  signal: AbortSignal,
): Promise<SentBody> {
  const { route } = send;
  if (!isTrustedUploadUrl(url, storageUrl)) {
    if (!Buffer.isBuffer(send.body)) send.body.destroy();
    throw new FalError({
      kind: 'bad_response',
      message: "fal's storage returned an upload URL outside fal's own hosts; nothing was sent to it",
    });
  }
  guard.admit(route, as.tenant, 'storage');
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  let sent: SentBody;
  try {
    sent = await sendBody(url, send, signal);
  } catch (error) {
    const fromSource = send.sourceError?.();
    if (fromSource !== undefined) {
      guard.released(route, as.tenant);
      throw fromSource;
    }
    const failure = await guard.failed({ route, as, method: send.method, signal }, error);
    guard.observe('storage', failure.kind, seconds());
    throw failure;
  }
  if (sent.status < 200 || sent.status >= 300) {
    const failure = new FalError({
      kind: sent.status >= 500 ? 'unavailable' : 'bad_response',
      status: sent.status,
      message: `fal storage refused the ${FAL_ROUTES[route].label.replace('storage, ', '')} (HTTP ${sent.status}${storageCode(sent.text)})`,
    });
    guard.settle({ route, as, method: send.method }, failure);
    guard.observe('storage', failure.kind, seconds());
    throw failure;
  }
  guard.succeeded(route, as.tenant);
  guard.observe('storage', 'ok', seconds());
  return sent;
}

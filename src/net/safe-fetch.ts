import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { type Readable, Transform } from 'node:stream';
import { UserError } from '../errors.js';
import { deadline } from '../lib/deadline.js';
import { isBlockedAddress, isExemptHost, isLocalName } from './address-guard.js';

export interface FetchPolicy {
  maxBytes: number;
  timeoutMs: number;
  maxRedirects?: number;
  /** host:port pairs exempt from the address check: local development and tests only. */
  allowHosts?: readonly string[];
}

export interface FetchedFile {
  bytes: Buffer;
  contentType: string | undefined;
  finalUrl: string;
}

/** An answer whose body has not been read yet: it streams, and errors past the size cap. */
export interface OpenedUrl {
  body: Readable;
  contentType: string | undefined;
  /** Content-Length, when the server sent one (already checked against the cap). */
  declaredBytes: number | undefined;
  finalUrl: string;
}

const refuse = (why: string) => new UserError(`Refused to fetch the URL: ${why}.`);

/**
 * Open a caller-supplied URL without letting it reach inside the network:
 * http(s) only; every address the name resolves to is checked, and the
 * connection goes to the checked address (no DNS rebinding between check and
 * connect); redirects are followed by hand and checked again; size and time
 * capped. The body is left unread, to be streamed where it is going.
 */
export async function openPublicUrl(
  raw: string,
  policy: FetchPolicy,
  signal?: AbortSignal,
): Promise<OpenedUrl> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('it is not a valid URL');
  }
  // One time limit for the answer and its whole body; it ends when the body does.
  const due = deadline(policy.timeoutMs, signal);
  try {
    for (let hop = 0; hop <= (policy.maxRedirects ?? 5); hop++) {
      const response = await requestOnce(url, policy, due.signal);
      if ('redirect' in response) {
        url = new URL(response.redirect, url);
        continue;
      }
      const { res, ...facts } = response;
      const body = capped(res, policy.maxBytes);
      body.once('close', due.clear);
      return { ...facts, body, finalUrl: url.href };
    }
    throw refuse('too many redirects');
  } catch (error) {
    due.clear();
    throw error;
  }
}

/**
 * Everything about a URL that can be refused without a network call: scheme,
 * credentials, an address literal or a name that is always local. Returns
 * whether the host is exempt (FETCH_ALLOW_HOSTS). Throws the refusal otherwise.
 */
export function checkStatically(url: URL, policy: FetchPolicy): boolean {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw refuse(`only http and https URLs are allowed, not ${url.protocol.replace(':', '')}`);
  }
  if (url.username || url.password) throw refuse('URLs with credentials are not allowed');
  if (isExemptHost(url, policy.allowHosts)) return true;
  const hostname = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIP(hostname) && isBlockedAddress(hostname))
    throw refuse(`${hostname} is a private or reserved address`);
  if (isLocalName(hostname)) throw refuse(`${hostname} resolves to a private or reserved address`);
  return false;
}

/** The static checks of a caller's URL string, before anything else is done for it. */
export function precheckPublicUrl(raw: string, policy: FetchPolicy): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('it is not a valid URL');
  }
  checkStatically(url, policy);
}

/** Fetch a small document whole (e.g. an OAuth client's metadata), through the same guard. */
export async function fetchPublicUrl(raw: string, policy: FetchPolicy): Promise<FetchedFile> {
  const opened = await openPublicUrl(raw, policy);
  const chunks: Buffer[] = [];
  for await (const chunk of opened.body) chunks.push(chunk as Buffer);
  return { bytes: Buffer.concat(chunks), contentType: opened.contentType, finalUrl: opened.finalUrl };
}

/** The body, failing with a clear error as soon as it passes `maxBytes`. */
function capped(res: IncomingMessage, maxBytes: number): Readable {
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > maxBytes) {
        done(new UserError(`The file is larger than the limit of ${maxBytes} bytes.`));
        return;
      }
      done(null, chunk);
    },
  });
  res.on('error', (error) => counter.destroy(toUserError(error)));
  counter.on('close', () => res.destroy());
  return res.pipe(counter);
}

function toUserError(error: Error): UserError {
  if (error instanceof UserError) return error;
  if (error.name === 'AbortError') return new UserError('The URL did not answer in time.');
  return new UserError(`Could not fetch the URL (${error.message}).`);
}

/**
 * Whether a public URL has a file behind it, by one HEAD request under the same
 * rules as a download (address checks, time limit); redirects are not followed.
 */
export async function probePublicUrl(
  raw: string,
  policy: FetchPolicy,
  signal?: AbortSignal,
): Promise<boolean> {
  const due = deadline(policy.timeoutMs, signal);
  try {
    const response = await requestOnce(new URL(raw), policy, due.signal, 'HEAD');
    if ('res' in response) response.res.resume();
    return 'res' in response;
  } catch (error) {
    if (error instanceof UserError && / HTTP (403|404|410)\b/.test(error.message)) return false;
    throw error;
  } finally {
    due.clear();
  }
}

function requestOnce(
  url: URL,
  policy: FetchPolicy,
  signal: AbortSignal,
  method: 'GET' | 'HEAD' = 'GET',
): Promise<
  | { res: IncomingMessage; contentType: string | undefined; declaredBytes: number | undefined }
  | { redirect: string }
> {
  let exempt: boolean;
  try {
    exempt = checkStatically(url, policy);
  } catch (error) {
    return Promise.reject(error);
  }
  const lookup: LookupFunction = (host, options, callback) => {
    dnsLookup(host, { all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      const bad = addresses.find((a) => isBlockedAddress(a.address));
      if (!exempt && bad) return callback(refuse(`${host} resolves to a private or reserved address`), '');
      const first = addresses[0];
      if (!first) return callback(refuse(`${host} did not resolve`), '');
      if (options.all) return callback(null, addresses as LookupAddress[]);
      callback(null, first.address, first.family);
    });
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      { method, lookup, signal, headers: { 'user-agent': 'fal-mcp-server upload' } },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 300 && status < 400 && res.headers.location) {
          res.resume();
          return resolve({ redirect: res.headers.location });
        }
        if (status < 200 || status >= 300) {
          res.resume();
          return reject(
            new UserError(`The URL answered HTTP ${status}; check that it is public and still valid.`),
          );
        }
        const declared = Number(res.headers['content-length'] ?? Number.NaN);
        if (Number.isFinite(declared) && declared > policy.maxBytes) {
          res.destroy();
          return reject(new UserError(`The file is ${declared} bytes; the limit is ${policy.maxBytes}.`));
        }
        resolve({
          res,
          contentType: res.headers['content-type'],
          declaredBytes: Number.isFinite(declared) ? declared : undefined,
        });
      },
    );
    req.on('error', (error) => {
      if (signal.aborted && !(error instanceof UserError)) {
        return reject(new UserError('The URL did not answer in time.'));
      }
      reject(toUserError(error));
    });
    req.end();
  });
}

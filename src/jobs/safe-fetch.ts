import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { BlockList, isIP } from 'node:net';
import { UserError } from '../mcp/errors.js';

/** Addresses a server must never be made to fetch from: private, loopback, link-local (cloud metadata), reserved. */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    // IPv4-mapped (::ffff:10.0.0.1) is judged by the IPv4 address inside.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return blocked.check(mapped[1], 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

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

const refuse = (why: string) => new UserError(`Refused to fetch the URL: ${why}.`);

/**
 * Fetch a caller-supplied URL without letting it reach inside the network:
 * http(s) only; every address the name resolves to is checked, and the
 * connection goes to the checked address (no DNS rebinding between check and
 * connect); redirects are followed by hand and checked again; size and time capped.
 */
export async function fetchPublicUrl(raw: string, policy: FetchPolicy): Promise<FetchedFile> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('it is not a valid URL');
  }
  const deadline = AbortSignal.timeout(policy.timeoutMs);
  for (let hop = 0; hop <= (policy.maxRedirects ?? 5); hop++) {
    const response = await requestOnce(url, policy, deadline);
    if ('redirect' in response) {
      url = new URL(response.redirect, url);
      continue;
    }
    return response;
  }
  throw refuse('too many redirects');
}

function requestOnce(
  url: URL,
  policy: FetchPolicy,
  signal: AbortSignal,
): Promise<FetchedFile | { redirect: string }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(
      refuse(`only http and https URLs are allowed, not ${url.protocol.replace(':', '')}`),
    );
  }
  if (url.username || url.password) return Promise.reject(refuse('URLs with credentials are not allowed'));
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  const exempt = policy.allowHosts?.includes(`${hostname}:${port}`) ?? false;
  if (!exempt && isIP(hostname) && isBlockedAddress(hostname)) {
    return Promise.reject(refuse(`${hostname} is a private or reserved address`));
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
      { method: 'GET', lookup, signal, headers: { 'user-agent': 'fal-mcp-server upload' } },
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
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > policy.maxBytes) {
          res.destroy();
          return reject(new UserError(`The file is ${declared} bytes; the limit is ${policy.maxBytes}.`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > policy.maxBytes) {
            res.destroy();
            reject(new UserError(`The file is larger than the limit of ${policy.maxBytes} bytes.`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({
            bytes: Buffer.concat(chunks),
            contentType: res.headers['content-type'],
            finalUrl: url.href,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (error) => {
      if (error instanceof UserError) return reject(error);
      if (signal.aborted) return reject(new UserError('The URL did not answer in time.'));
      reject(new UserError(`Could not fetch the URL (${error.message}).`));
    });
    req.end();
  });
}

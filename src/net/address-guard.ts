import { BlockList, isIP } from 'node:net';

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
// Its own list: BlockList also matches an IPv4 address against ::ffff:0:0/96.
const blockedV6 = new BlockList();
// IPv6 forms that carry an IPv4 address (and so can reach IPv4 space, loopback and
// private ranges included) are refused whole, whatever the address inside.
for (const [net, prefix] of [
  ['::', 96], // unspecified, loopback, IPv4-compatible (::a.b.c.d)
  ['::ffff:0:0', 96], // IPv4-mapped, in every spelling (::ffff:7f00:1 = ::ffff:127.0.0.1)
  ['::ffff:0:0:0', 96], // IPv4-translated (RFC 2765)
  ['64:ff9b::', 96], // NAT64 (RFC 6052)
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215)
  ['100::', 64], // discard
  ['2001::', 32], // Teredo (tunnels IPv4)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4 (embeds an IPv4 address)
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
] as const) {
  blockedV6.addSubnet(net, prefix, 'ipv6');
}

export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) return blockedV6.check(address, 'ipv6');
  return true;
}

/** Names that always mean this machine (RFC 6761), whatever DNS says. */
export function isLocalName(hostname: string): boolean {
  const name = hostname.toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Whether a URL's `host:port` is listed in FETCH_ALLOW_HOSTS (development and tests only). */
export function isExemptHost(url: URL, allowHosts: readonly string[] = []): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return allowHosts.includes(`${host}:${port}`);
}

/** Whether a URL's host could be public: not a local name, not a blocked address literal. */
export function isPublicHost(urlHostname: string): boolean {
  const host = urlHostname.replace(/^\[|\]$/g, '');
  return !isLocalName(host) && !(isIP(host) && isBlockedAddress(host));
}

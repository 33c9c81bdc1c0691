import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import type { Config } from '../config.js';

export type ClientIp = (c: Context) => string;

/**
 * The client's address, as far as this server can trust it. Forwarded headers
 * count only when the operator says a proxy in front sets them. X-Forwarded-For
 * is read from the right: each proxy appends the address it saw, so the entries
 * on the left are whatever the client wrote; with N trusted proxies the client
 * is the Nth address from the right (TRUST_PROXY_HOPS).
 */
export function clientIpResolver(
  config: Pick<Config, 'trustProxy' | 'trustProxyHops'>,
  /** Called once if requests carry a proxy's headers the server was not told to trust. */
  onUntrustedProxy: () => void = () => undefined,
): ClientIp {
  let warned = false;
  return (c) => {
    if (
      config.trustProxy === 'none' &&
      !warned &&
      (c.req.header('x-forwarded-for') || c.req.header('fly-client-ip'))
    ) {
      warned = true;
      onUntrustedProxy();
    }
    if (config.trustProxy === 'fly') {
      const ip = c.req.header('fly-client-ip')?.trim();
      if (ip) return ip;
    }
    if (config.trustProxy === 'x-forwarded-for') {
      const hops = (c.req.header('x-forwarded-for') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      const ip = hops[hops.length - config.trustProxyHops];
      if (ip) return ip;
    }
    return peerAddress(c);
  };
}

/** The TCP peer (the proxy, when there is one); `unknown` for a request made in process (tests). */
export function peerAddress(c: Context): string {
  const env = c.env as { incoming?: unknown; server?: unknown } | undefined;
  if (!env?.incoming && !env?.server) return 'unknown';
  return getConnInfo(c).remote.address ?? 'unknown';
}

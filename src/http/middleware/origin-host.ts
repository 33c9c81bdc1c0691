import { isIP } from 'node:net';
import type { MiddlewareHandler } from 'hono';
import { isLoopbackHost } from '../../lib/loopback.js';
import type { AppEnv } from '../env.js';
import { jsonRpcErrorResponse } from '../jsonrpc-error.js';

export interface OriginHostPolicy {
  /** Extra origins (scheme://host[:port]) browsers may call from; `*` allows any. */
  allowedOrigins: readonly string[];
  /** Extra Host names accepted; when empty, Host is checked only on a loopback bind. */
  allowedHosts: readonly string[];
  /** True when listening on loopback: then only local Host names are accepted by default. */
  loopbackBind: boolean;
}

function hostnameOf(hostHeader: string): string {
  try {
    return new URL(`http://${hostHeader}`).hostname.toLowerCase();
  } catch {
    return '';
  }
}

export function isOriginAllowed(origin: string, policy: OriginHostPolicy): boolean {
  if (policy.allowedOrigins.includes('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (isLoopbackHost(url.hostname)) return true;
  return policy.allowedOrigins.some(
    (allowed) => allowed.replace(/\/+$/, '').toLowerCase() === url.origin.toLowerCase(),
  );
}

export function isHostAllowed(host: string | undefined, policy: OriginHostPolicy): boolean {
  const checkHost = policy.loopbackBind || policy.allowedHosts.length > 0;
  if (!checkHost) return true;
  if (!host) return false;
  const name = hostnameOf(host);
  if (isLoopbackHost(name)) return true;
  // A rebinding attack always carries the attacker's host name; an address literal cannot be one
  // (and is what health checkers and load balancers send).
  if (isIP(name.replace(/^\[|\]$/g, '')) !== 0) return true;
  return policy.allowedHosts.some((h) => h.toLowerCase() === name || h.toLowerCase() === host.toLowerCase());
}

/**
 * DNS-rebinding protection on every route: a page whose name was rebound to this
 * server must not read /ready or /metrics any more than drive /mcp.
 */
export const hostValidation =
  (policy: OriginHostPolicy): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    // Node's adapter builds the URL from Host; in-process requests carry it only there.
    if (!isHostAllowed(c.req.header('host') ?? new URL(c.req.url).host, policy)) {
      return jsonRpcErrorResponse(
        403,
        'Forbidden: this Host is not allowed (set ALLOWED_HOSTS on the server).',
      );
    }
    await next();
  };

/**
 * A browser page on a foreign origin must not drive the MCP endpoint. Requests
 * without Origin (CLI and server-side clients) pass.
 */
export const originValidation =
  (policy: OriginHostPolicy): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const origin = c.req.header('origin');
    if (origin && !isOriginAllowed(origin, policy)) {
      return jsonRpcErrorResponse(
        403,
        'Forbidden: this Origin is not allowed (set ALLOWED_ORIGINS on the server).',
      );
    }
    await next();
  };

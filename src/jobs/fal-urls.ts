import { UserError } from '../errors.js';
import { isObject } from '../lib/is-object.js';
import { isExemptHost, isPublicHost } from '../net/address-guard.js';

const MAX_STRINGS = 2_000;

/**
 * The URLs fal will fetch for a job must be reachable from fal: a private or
 * loopback address can only fail there, after the job was accepted (and maybe
 * billed). One policy for every tool that submits: run_model and submit_job
 * (any URL in the input), the media tools alike. `allowHosts` (FETCH_ALLOW_HOSTS,
 * `host:port`) exempts a development fal, such as the emulator's CDN.
 */
export function assertFalCanFetch(input: unknown, allowHosts: readonly string[] = []): void {
  let seen = 0;
  const visit = (value: unknown, field: string, depth: number): void => {
    if (depth > 16 || seen > MAX_STRINGS) return;
    if (typeof value === 'string') {
      seen++;
      if (!/^https?:\/\//i.test(value)) return;
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return;
      }
      if (isExemptHost(url, allowHosts) || isPublicHost(url.hostname)) return;
      throw new UserError(
        `${field} points at a private or local address (${url.hostname}) that fal cannot reach; use a public URL or upload_file.`,
      );
    }
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, `${field}[${i}]`, depth + 1);
    } else if (isObject(value)) {
      for (const [key, item] of Object.entries(value))
        visit(item, field ? `${field}.${key}` : key, depth + 1);
    }
  };
  visit(input, '', 0);
}

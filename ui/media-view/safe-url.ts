/**
 * Only https URLs (or http on this machine's loopback, the local demo) go into
 * src and href: a result names whatever URL a model returned, and a
 * `javascript:` or `data:` link must never become something to click.
 */
export function safeMediaUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:') return url.href;
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    return url.protocol === 'http:' && loopback ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** fal's own domains: where its storage may send an upload (e.g. https://v3b.fal.media/…). */
const FAL_DOMAINS = ['fal.media', 'fal.ai', 'fal.run'];

/**
 * An upload URL is PUT to only when it is https on one of fal's domains, or on
 * the storage origin the operator configured (FAL_STORAGE_URL: a self-hosted
 * gateway, or the emulator in tests). Anything else fal's answer names is refused.
 */
export function isTrustedUploadUrl(raw: string, storageUrl: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.origin === new URL(storageUrl).origin) return true;
  const host = url.hostname.toLowerCase();
  return url.protocol === 'https:' && FAL_DOMAINS.some((d) => host === d || host.endsWith(`.${d}`));
}

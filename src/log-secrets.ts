import { Secret } from './lib/secret.js';

/** Shorter values are not scrubbed: they would blank ordinary words, and no credential is that short. */
const MIN_SECRET = 8;

export type SecretLike = string | Secret | undefined;

/** The values to scrub, revealed only here, at the moment a line is written. */
export function revealAll(values: readonly SecretLike[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    const text = (value instanceof Secret ? value.reveal() : (value ?? '')).trim();
    if (text.length >= MIN_SECRET) out.push(text);
  }
  return out;
}

/** Replace every occurrence of each secret with [redacted]. */
export function scrubExact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/** The raw credential values of a request: X-Fal-Key, and Authorization whole and after its scheme. */
export function credentialsOf(headers: Headers): string[] {
  const authorization = headers.get('authorization')?.trim() ?? '';
  return [headers.get('x-fal-key') ?? '', authorization, authorization.replace(/^\S+\s+/, '')];
}

import { AsyncLocalStorage } from 'node:async_hooks';

/** Shorter values are not scrubbed: they would blank ordinary words, and no credential is that short. */
const MIN_SECRET = 8;

const context = new AsyncLocalStorage<string[]>();

/**
 * The exact secrets of the request being served (the caller's key as sent, the
 * Authorization credential, a key unsealed from a token, a pasted key), for the
 * logger to scrub from every line written while serving it: pattern matching
 * alone misses a key that is not fal-shaped, echoed by upstream or passed as an
 * argument. Held in the request's async context only, never in a module variable.
 */
export const requestSecrets = {
  run<T>(values: readonly (string | undefined)[], fn: () => T): T {
    return context.run(values.filter(isSecretLike), fn);
  },
  /** Add one learnt during the request (a key unsealed from a token, a pasted key). */
  add(value: string | undefined): void {
    if (isSecretLike(value)) context.getStore()?.push(value);
  },
  current(): readonly string[] {
    return context.getStore() ?? [];
  },
  /** `fn`, run later (a socket's close), still inside this request's secrets. */
  bind<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
    const values = context.getStore();
    return values ? (...args: A) => context.run(values, () => fn(...args)) : fn;
  },
};

function isSecretLike(value: string | undefined): value is string {
  return typeof value === 'string' && value.trim().length >= MIN_SECRET;
}

/** Replace every occurrence of each secret with [redacted]. */
export function scrubExact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    const value = secret.trim();
    if (value.length >= MIN_SECRET && out.includes(value)) out = out.split(value).join('[redacted]');
  }
  return out;
}

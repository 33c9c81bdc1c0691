/**
 * Files of this project by their path from its root (package.json, server.json,
 * dist/ui/…). This module sits one level below the root wherever it runs: as
 * src/paths.ts (tsx), or inside dist/main.js or one of its chunks, which
 * scripts/build-server.ts writes directly in dist/; so one relative URL holds
 * for both (tests/slow/built-server.test.ts checks the bundle).
 */
export function projectFile(path: string): URL {
  return new URL(`../${path}`, import.meta.url);
}

/** Running from the TypeScript sources (tests, `npm run dev`) rather than from dist/. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

/**
 * Files of this project by their path from its root (package.json, server.json,
 * dist/ui/…). This module sits one level below the root wherever it runs: as
 * src/paths.ts (tsx), dist/paths.js (tsc) or inside the bundled dist/main.js,
 * so one relative URL holds for all three; a module deeper down could not say
 * the same once bundled.
 */
export function projectFile(path: string): URL {
  return new URL(`../${path}`, import.meta.url);
}

/** Running from the TypeScript sources (tests, `npm run dev`) rather than from dist/. */
export const FROM_SOURCES = import.meta.url.endsWith('.ts');

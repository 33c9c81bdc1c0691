/**
 * Bundles the server's own modules into one file, dist/main.js, over the one tsc
 * wrote: a fresh process then loads one module of ours instead of ~190, which is
 * most of its start-up time. Packages stay external (node_modules, as installed),
 * and everything tsc compiled stays beside it for what runs apart (the image
 * decoder process, dist/media/decode-worker.js). Run by `npm run build`.
 */
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  allowOverwrite: true,
  bundle: true,
  packages: 'external',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
});
const inputs = Object.keys(result.metafile.inputs).filter((f) => f.startsWith('src/')).length;
console.log(`dist/main.js: ${inputs} modules in one`);

/**
 * Builds dist/: the server bundled into dist/main.js and the chunks it loads on demand (the app,
 * the Redis store, tracing, ky, Prometheus), and the image decoder's own script,
 * dist/media/decode-worker.js (a process apart). A fresh process then reads a dozen files instead
 * of ~370 modules (ours, the MCP SDK, zod, hono): cold start 590 → ~380 ms (docs/benchmarks.md).
 *
 * Packages stay external (node_modules, as installed) when they are native or CommonJS and loaded
 * only on first use (sharp, ioredis, prom-client), loaded only when tracing is on (OpenTelemetry),
 * or used only from the sources (esbuild). Every bundled file sits directly in dist/, one level
 * below the project root, as src/paths.ts expects. Run by `npm run build`.
 */
import { rmSync } from 'node:fs';
import { type BuildOptions, build } from 'esbuild';

const common: BuildOptions = {
  bundle: true,
  external: ['sharp', 'ioredis', 'prom-client', '@opentelemetry/*', 'esbuild'],
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // A CommonJS module inside a bundled package may still call require() for Node's own modules.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  sourcemap: true,
  logLevel: 'warning',
};

rmSync('dist', { recursive: true, force: true });
const server = await build({
  ...common,
  entryPoints: { main: 'src/main.ts' },
  outdir: 'dist',
  splitting: true,
  chunkNames: '[name]-[hash]',
  metafile: true,
});
await build({
  ...common,
  entryPoints: ['src/media/decode-worker.ts'],
  outfile: 'dist/media/decode-worker.js',
});

const inputs = Object.keys(server.metafile.inputs);
const ours = inputs.filter((f) => f.startsWith('src/')).length;
const files = Object.keys(server.metafile.outputs).filter((f) => f.endsWith('.js')).length;
console.log(
  `dist/main.js: ${ours} modules of ours and ${inputs.length - ours} of packages, in ${files} files`,
);

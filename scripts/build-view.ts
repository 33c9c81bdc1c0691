/**
 * Builds the MCP App view (ui/media-view) into one self-contained file,
 * dist/ui/media-view.html: the script bundled and minified by esbuild, the CSS
 * inlined, nothing loaded from anywhere else. Run by `npm run build`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = await build({
  entryPoints: ['ui/media-view/view.ts'],
  bundle: true,
  minify: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  write: false,
});
const script = out.outputFiles[0]?.text ?? '';
const css = readFileSync('ui/media-view/view.css', 'utf8');
const html = `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>fal media</title><style>${css}</style></head><body><main id="app" aria-live="polite"><p class="pending">Waiting for the result…</p></main><script type="module">${script.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
mkdirSync('dist/ui', { recursive: true });
writeFileSync('dist/ui/media-view.html', html);
console.log(`dist/ui/media-view.html: ${Buffer.byteLength(html)} bytes`);

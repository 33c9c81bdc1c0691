/**
 * Where a cached call's time goes: runs the built server under --cpu-prof,
 * drives one call with autocannon, and prints self time by package and the top
 * functions. Run: npm run bench:profile -- [call] [era] [seconds]
 * call: tools/list | list_models | list_search | get_model_schema | ping | echo-baseline
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../tests/emulator/app.js';
import { type Era, load, mcpRequest, startProcess, stop, toolCall } from './lib.js';

const [call = 'list_models', era = 'modern', seconds = '5'] = process.argv.slice(2) as [
  string?,
  Era?,
  string?,
];
const dir = '.cache/profiles';
rmSync(dir, { recursive: true, force: true });

const emu = await startEmulator();
const baseline = call === 'echo-baseline';
const server = await startProcess(
  baseline
    ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--import', 'tsx', 'bench/baseline-server.ts']
    : ['--cpu-prof', `--cpu-prof-dir=${dir}`, 'dist/main.js'],
  {
    PORT: '0',
    FAL_API_URL: emu.apiUrl,
    FAL_QUEUE_URL: emu.queueUrl,
    FAL_STORAGE_URL: emu.storageUrl,
    RATE_LIMIT_PER_MINUTE: '0',
  },
);
const requests: Record<string, ReturnType<typeof mcpRequest>> = {
  'tools/list': mcpRequest(era as Era, 'tools/list'),
  list_models: toolCall(era as Era, 'list_models', { category: 'video', limit: 20 }),
  list_search: toolCall(era as Era, 'list_models', { search: 'portrait photo', limit: 10 }),
  get_model_schema: toolCall(era as Era, 'get_model_schema', { model: 'fal-ai/flux/dev' }),
  'echo-baseline': toolCall(era as Era, 'echo', { text: 'hi' }),
  ping: mcpRequest(era as Era, 'ping'),
};
const req = requests[call];
if (!req) throw new Error(`unknown call ${call}`);
// Warm: catalogue, schema cache, JIT.
await load(server.url, req, { seconds: 1 });
const result = await load(server.url, req, { seconds: Number(seconds) });
await stop(server.child);
await emu.close();

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error('no profile written');
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
// The server runs bundled (dist/main.js and its chunks): each frame is read back through the
// bundle's source maps to the module it came from (a package's file, or ours under src/).
const maps = new Map<string, SourceMap | undefined>();
const mapOf = (url: string) => {
  if (!maps.has(url)) {
    const file = url.startsWith('file://') ? `${fileURLToPath(url)}.map` : '';
    maps.set(
      url,
      file && existsSync(file) ? new SourceMap(JSON.parse(readFileSync(file, 'utf8'))) : undefined,
    );
  }
  return maps.get(url);
};
for (const n of profile.nodes) {
  const entry = mapOf(n.callFrame.url)?.findEntry(n.callFrame.lineNumber, 0);
  if (entry && 'originalSource' in entry && entry.originalSource) {
    n.callFrame.url = entry.originalSource.replace(/^(\.\.\/)+/, 'file:///bundle/');
    n.callFrame.lineNumber = entry.originalLine;
  }
}
const self = new Map<number, number>();
profile.samples.forEach((id, i) => {
  self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
const pkgOf = (url: string) => {
  if (!url) return '(native/gc/idle)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1] as string;
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/dist/') || url.includes('/src/')) return 'this server';
  return url
    .replace(/^file:\/\//, '')
    .split('/')
    .slice(-2)
    .join('/');
};
const byPkg = new Map<string, number>();
const byFn = new Map<string, number>();
for (const [id, us] of self) {
  const n = byNode.get(id);
  if (!n) continue;
  const pkg = pkgOf(n.callFrame.url);
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + us);
  const fn = `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + us);
}
const pct = (us: number) => `${((us / total) * 100).toFixed(1)}%`;
console.log(
  `${call} (${era}): ${Math.round(result.rps)} req/s, p50 ${result.p50} ms; profile ${(total / 1e6).toFixed(1)} s`,
);
console.log('\nself time by package:');
for (const [pkg, us] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 14))
  console.log(`  ${pct(us).padStart(6)}  ${pkg}`);
console.log('\ntop functions (self):');
for (const [fn, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30))
  console.log(`  ${pct(us).padStart(6)}  ${fn}`);

// Inclusive time of this server's functions (self + everything they call), once per stack.
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const inclusive = new Map<string, number>();
const label = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.replace(/^file:\/\/.*\/(dist|src)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
for (const [id, us] of self) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const n = byNode.get(at);
    if (!n || pkgOf(n.callFrame.url) !== 'this server') continue;
    const l = label(n);
    if (seen.has(l)) continue;
    seen.add(l);
    inclusive.set(l, (inclusive.get(l) ?? 0) + us);
  }
}
console.log('\nthis server, inclusive:');
for (const [fn, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(`  ${pct(us).padStart(6)}  ${fn}`);

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The request flow, top to bottom (README, "Layout"). A folder may import its own
 * layer and those below, never one above; no two folders may import each other,
 * even through others; only services (and the composition root) call fal.
 * A file at the root of src/ is a "folder" of its own, named after the file.
 */
const LAYERS: readonly (readonly string[])[] = [
  ['main'],
  ['http'],
  ['mcp', 'resources', 'prompts'],
  ['tools'],
  // The composition root: builds every service once; handlers reach them through it.
  ['services'],
  ['runs'],
  ['jobs', 'registry', 'media', 'auth', 'webhooks', 'limits', 'metrics'],
  ['fal', 'net', 'store'],
  ['lib', 'telemetry', 'errors', 'log', 'log-secrets', 'config', 'config-schema', 'version', 'paths'],
];
const SERVICE_LAYERS = new Set(['services', 'runs', ...(LAYERS[6] ?? [])]);

const SRC = new URL('../../src/', import.meta.url).pathname;
const files = readdirSync(SRC, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
const folderOf = (file: string) =>
  file.includes('/') ? (file.split('/')[0] ?? '') : file.replace(/\.ts$/, '');

/** folder → folder → the imports that make the edge (file → file). */
function folderGraph(): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const file of files) {
    const text = readFileSync(join(SRC, file), 'utf8');
    for (const m of text.matchAll(/(?:from |import\()'(\.[^']+)'/g)) {
      const target = normalize(join(dirname(file), m[1] ?? '')).replace(/\.js$/, '.ts');
      const [from, to] = [folderOf(file), folderOf(target)];
      if (from === to) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      edges.set(to, [...(edges.get(to) ?? []), `${file} → ${target}`]);
      graph.set(from, edges);
    }
  }
  return graph;
}

/** Folders that reach each other (strongly connected components of more than one folder). */
function folderCycles(graph: Map<string, Map<string, string[]>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v) ?? 0);
    stack.push(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) component.push(w);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

describe('one rule for layers (the request flow: http → mcp → tools → services → fal)', () => {
  const graph = folderGraph();
  const layerOf = (folder: string) => LAYERS.findIndex((layer) => layer.includes(folder));

  it('every folder of src/ has its place in the layers', () => {
    expect(new Set(files.map(folderOf)).size).toBeGreaterThan(20);
    expect([...new Set(files.map(folderOf))].filter((f) => layerOf(f) < 0)).toEqual([]);
  });

  it('no folder imports one above it', () => {
    const upward = [...graph].flatMap(([from, edges]) =>
      [...edges].flatMap(([to, imports]) => (layerOf(to) < layerOf(from) ? imports : [])),
    );
    expect(upward).toEqual([]);
  });

  it('no two folders import each other, directly or through others', () => {
    expect(folderCycles(graph)).toEqual([]);
    // The check can fail: two folders that import each other are one cycle.
    const looped = new Map([
      ['a', new Map([['b', ['a.ts → b.ts']]])],
      ['b', new Map([['c', ['b.ts → c.ts']]])],
      ['c', new Map([['a', ['c.ts → a.ts']]])],
    ]);
    expect(folderCycles(looped)).toEqual([['a', 'b', 'c']]);
  });

  it('only services call fal: tools, mcp and http reach it through them (its error type aside)', () => {
    const direct = [...graph].flatMap(([from, edges]) =>
      SERVICE_LAYERS.has(from)
        ? []
        : (edges.get('fal') ?? []).filter((edge) => !edge.endsWith('→ fal/errors.ts')),
    );
    expect(direct).toEqual([]);
  });
});

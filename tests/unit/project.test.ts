import { readdirSync, readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { EnvSchema } from '../../src/config-schema.js';
import { ALL_TOOLS } from '../../src/tools/index.js';

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The README's configuration table: variable → its default cell. */
function readmeConfigTable(): Map<string, string> {
  const section = read('README.md').split('\n## Configuration\n')[1]?.split('\n## ')[0] ?? '';
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const cells = /^\| `([A-Z0-9_]+)` \| ([^|]+) \|/.exec(line);
    if (cells?.[1] && cells[2]) {
      expect(rows.has(cells[1]), `${cells[1]} is documented twice`).toBe(false);
      rows.set(cells[1], cells[2].trim());
    }
  }
  return rows;
}

describe('the configuration is written once', () => {
  const entries = Object.entries(EnvSchema.entries) as [string, { default?: unknown }][];

  it('the README documents exactly the variables the server reads', () => {
    expect([...readmeConfigTable().keys()].sort()).toEqual(entries.map(([name]) => name).sort());
  });

  it.each(entries)('%s: the README states the schema default', (name, schema) => {
    const cell = readmeConfigTable().get(name) ?? '';
    if (schema.default === undefined) expect(cell).not.toMatch(/^`[^`]*`$/);
    else expect(cell.startsWith(`\`${String(schema.default)}\``), `${name}: ${cell}`).toBe(true);
  });
});

describe('the supported Node versions agree', () => {
  const pkg = JSON.parse(read('package.json')) as {
    engines: { node: string };
    devDependencies: Record<string, string>;
  };
  const lowest = Number(/^>=(\d+)/.exec(pkg.engines.node)?.[1]);

  it('type-checks against the lowest supported Node, so nothing newer is used by accident', () => {
    expect(lowest).toBeGreaterThanOrEqual(20);
    expect(Number(/^\^?(\d+)/.exec(pkg.devDependencies['@types/node'] ?? '')?.[1])).toBe(lowest);
  });

  it('the image ships a supported Node in both stages', () => {
    const images = [...read('Dockerfile').matchAll(/^FROM node:(\d+)/gm)].map((m) => Number(m[1]));
    expect(images.length).toBe(2);
    for (const major of images) expect(major).toBeGreaterThanOrEqual(lowest);
    expect(new Set(images).size).toBe(1);
  });

  it('every production dependency, direct or not, declares the Node versions we support', () => {
    // What `engines` promises must hold for what ships: a dependency wanting a newer Node would
    // break on the machines the README's two commands run on (ky 2 and eventsource-parser 4 did).
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<string, { dev?: boolean; engines?: { node?: string } }>;
    };
    const shipped = Object.entries(lock.packages).filter(([path, p]) => path !== '' && !p.dev);
    expect(shipped.length).toBeGreaterThan(30);
    // Our floor and the first release of every later major (ranges like "^20.3.0 || >=21" are unions).
    const floor = semver.minVersion(pkg.engines.node)?.version ?? '';
    const probes = [floor, ...[21, 22, 23, 24, 25, 26].map((major) => `${major}.0.0`)];
    const refuses = (range: string) => probes.filter((version) => !semver.satisfies(version, range));
    const narrower = shipped.flatMap(([path, p]) =>
      p.engines?.node && refuses(p.engines.node).length > 0
        ? [`${path.replace(/^.*node_modules\//, '')} wants node ${p.engines.node}`]
        : [],
    );
    expect(narrower).toEqual([]);
    // The check can fail: ky 2 (node >=22) would refuse our floor.
    expect(refuses('>=22')).toEqual([floor, '21.0.0']);
  });

  it('this process runs a supported Node', () => {
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(lowest);
  });
});

describe('documented argument synonyms', () => {
  it.each(ALL_TOOLS.filter((t) => t.synonyms).map((t) => [t.name, t.synonyms ?? {}] as const))(
    '%s: every synonym is in the README',
    (name, synonyms) => {
      const row = read('README.md')
        .split('\n')
        .find((l) => l.startsWith(`| \`${name}\` | \``));
      for (const [guess, real] of Object.entries(synonyms))
        expect(row).toContain(`\`${guess}\` → \`${real}\``);
    },
  );
});

describe('where images are decoded', () => {
  it("sharp is loaded by the decoder's own process only, never on the server's threads or heap", () => {
    const files = readdirSync(new URL('../../src', import.meta.url), {
      recursive: true,
      encoding: 'utf8',
    }).filter((f) => f.endsWith('.ts'));
    const users = files.filter((f) =>
      /from 'sharp'|import\('sharp'\)|require\('sharp'\)/.test(read(`src/${f}`)),
    );
    expect(users).toEqual(['media/decode-worker.ts']);
  });
});

/**
 * Size of what each toolset costs an agent: the tools/list result in bytes and
 * an approximate token count (bytes / 4, a common rule of thumb for JSON), per
 * toolset and per tool. Run: npm run bench:toolsets. Prints the tables and writes
 * them into docs/benchmarks.md between the toolsets markers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connectModern } from '../tests/helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../tests/helpers/harness.js';

// Measured on commit 2e19b48 (before tools/list was written small), for the before/after table.
const BEFORE: Record<string, number> = {
  'toolsets=all': 41_153,
  'toolsets=discovery': 11_485,
  'toolsets=execution': 9_571,
  'toolsets=media': 20_119,
  'readonly=true': 13_746,
  'toolsets=discovery&readonly=true': 11_485,
};
const n = (x: number) => x.toLocaleString('en');
const lines: string[] = [];
const say = (line: string) => {
  lines.push(line);
  console.log(line);
};

const h = await startHarness({ env: { LOG_LEVEL: 'warn' } });
say('| toolset | tools | bytes before | bytes now | ≈ tokens now |');
say('|---|---|---|---|---|');
for (const query of Object.keys(BEFORE)) {
  const client = await connectModern({ url: `${IN_PROCESS_URL}?${query}`, fetch: h.inProcessFetch });
  const tools = await client.listTools();
  await client.close();
  // What a model reads: hosts keep a tool's _meta (the MCP App link) for themselves.
  const bytes = Buffer.byteLength(JSON.stringify({ tools: tools.map(withoutMeta) }));
  say(
    `| \`?${query}\` | ${tools.length} | ${n(BEFORE[query] ?? 0)} | ${n(bytes)} | ${n(Math.round(bytes / 4))} |`,
  );
}
say('');
say('| tool | bytes | ≈ tokens | input schema | output schema | description (chars) |');
say('|---|---|---|---|---|---|');
const client = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
let metaBytes = 0;
const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));
function withoutMeta<T extends object>(tool: T): Omit<T, '_meta'> {
  const { _meta: _, ...rest } = tool as T & { _meta?: unknown };
  return rest;
}
for (const tool of await client.listTools()) {
  const bytes = size(withoutMeta(tool));
  metaBytes += size(tool) - bytes;
  say(
    `| \`${tool.name}\` | ${n(bytes)} | ${n(Math.round(bytes / 4))} | ${n(size(tool.inputSchema))} | ` +
      `${n(size(tool.outputSchema))} | ${(tool.description ?? '').length} |`,
  );
}
await client.close();
await h.close();

const DOC = 'docs/benchmarks.md';
const START = '<!-- toolsets:start -->';
const END = '<!-- toolsets:end -->';
const block = `${START}\n## What tools/list costs an agent (\`npm run bench:toolsets\`)\n\nWhat a model reads: the tools' \`_meta\` (the MCP App link hosts keep for themselves, ${n(metaBytes)} bytes in all) is not counted.\n\n${lines.join('\n')}\n${END}`;
const doc = readFileSync(DOC, 'utf8');
const at = doc.indexOf(START);
writeFileSync(
  DOC,
  at >= 0
    ? doc.slice(0, at) + block + doc.slice(doc.indexOf(END) + END.length)
    : `${doc.trimEnd()}\n\n${block}\n`,
);
console.log(`wrote the toolsets tables into ${DOC}`);

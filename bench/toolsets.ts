/**
 * Size of what each toolset costs an agent: the tools/list result in bytes and
 * an approximate token count (bytes / 4, a common rule of thumb for JSON).
 * Run: npm run bench:toolsets.
 */
import { connectModern } from '../tests/helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../tests/helpers/harness.js';

const h = await startHarness({ env: { LOG_LEVEL: 'warn' } });
console.log('| toolset | tools | bytes | ≈ tokens |');
console.log('|---|---|---|---|');
for (const query of [
  'toolsets=all',
  'toolsets=discovery',
  'toolsets=execution',
  'toolsets=media',
  'readonly=true',
  'toolsets=discovery&readonly=true',
]) {
  const client = await connectModern({ url: `${IN_PROCESS_URL}?${query}`, fetch: h.inProcessFetch });
  const tools = await client.listTools();
  await client.close();
  const bytes = Buffer.byteLength(JSON.stringify({ tools }));
  console.log(
    `| \`?${query}\` | ${tools.length} | ${bytes.toLocaleString('en')} | ${Math.round(bytes / 4).toLocaleString('en')} |`,
  );
}
console.log('\n| tool | bytes | ≈ tokens | input schema | output schema | description |');
console.log('|---|---|---|---|---|---|');
const client = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
const size = (value: unknown) => Buffer.byteLength(JSON.stringify(value ?? null));
for (const tool of await client.listTools()) {
  const bytes = size(tool);
  console.log(
    `| \`${tool.name}\` | ${bytes.toLocaleString('en')} | ${Math.round(bytes / 4).toLocaleString('en')} | ` +
      `${size(tool.inputSchema).toLocaleString('en')} | ${size(tool.outputSchema).toLocaleString('en')} | ` +
      `${(tool.description ?? '').length} |`,
  );
}
await client.close();
await h.close();

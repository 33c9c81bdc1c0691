/**
 * The flood of bench/flood.ts, in its own process so it does not slow the
 * measuring client's event loop: N concurrent loops posting one heavy body
 * until stdin closes; prints the status counts as JSON on exit.
 */
const [url, concurrency = '8'] = process.argv.slice(2);
if (!url) throw new Error('usage: flood-attacker <url> [concurrency]');
const body = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: {
    name: 'run_model',
    arguments: {
      model: 'flux_dev',
      input: Object.fromEntries(Array.from({ length: 250_000 }, (_, i) => [`k${i}`, 1])),
    },
  },
});
const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-11-25',
  'x-forwarded-for': '203.0.113.66',
  'x-fal-key': 'flood-id:flood-secret',
};
const statuses: Record<string, number> = {};
let running = true;
process.stdin.on('end', () => {
  running = false;
});
process.stdin.resume();
const loop = async () => {
  while (running) {
    const res = await fetch(url, { method: 'POST', headers, body }).catch(() => undefined);
    const key = String(res?.status ?? 'connection error');
    statuses[key] = (statuses[key] ?? 0) + 1;
    await res?.text().catch(() => undefined);
  }
};
process.stderr.write(`ready ${(Buffer.byteLength(body) / 1024 / 1024).toFixed(2)} MB\n`);
await Promise.all(Array.from({ length: Number(concurrency) }, loop));
process.stdout.write(`${JSON.stringify(statuses)}\n`);

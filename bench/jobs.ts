/**
 * Waited jobs against the emulator: status polls per job and the interval
 * between progress notifications, for jobs of several lengths.
 * Run: npm run bench:jobs.
 */
import { connectModern } from '../tests/helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../tests/helpers/harness.js';

const h = await startHarness({ env: { LOG_LEVEL: 'warn', MAX_WAIT_SECONDS: '60' } });
const client = await connectModern({
  url: IN_PROCESS_URL,
  fetch: h.inProcessFetch,
  headers: { 'X-Fal-Key': 'bench-id:bench-secret' },
});
const MODEL = 'fal-ai/kling-video/v2.1/master/text-to-video';

console.log('| job length | status polls | progress notifications | gap median | gap max |');
console.log('|---|---|---|---|---|');
for (const seconds of [2, 5, 10, 20, 40]) {
  h.emulator.state.setTiming(MODEL, {
    queueMs: (seconds * 1000) / 2,
    runMs: (seconds * 1000) / 2,
    queuePosition: 4,
  });
  h.emulator.faults.clear();
  const stamps: number[] = [];
  const started = Date.now();
  const r = await client.callTool(
    'run_model',
    { model: MODEL, input: { prompt: 'bench' }, wait_seconds: 60 },
    () => stamps.push(Date.now()),
  );
  if ((r.structuredContent as { status: string }).status !== 'COMPLETED')
    throw new Error('job did not complete');
  const gaps = stamps.map((t, i) => t - (stamps[i - 1] ?? started)).slice(1);
  gaps.sort((a, b) => a - b);
  const polls = h.emulator.faults.callsTo('queue.status').length;
  console.log(
    `| ${seconds} s | ${polls} | ${stamps.length} | ${gaps[Math.floor(gaps.length / 2)] ?? 0} ms | ${gaps.at(-1) ?? 0} ms |`,
  );
}
await client.close();
await h.close();

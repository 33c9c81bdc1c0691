/**
 * Waited jobs against the emulator, the status stream against polling (the
 * stream answered with JSON instead of events, so the server polls as it did before it had the
 * stream), in the same run: the time from fal's completion to the result
 * reaching the client, upstream requests per job, and the gaps between
 * progress notifications, for jobs of 2, 10 and 40 s (half queued, half
 * running). Three jobs per case, run at once. Run: npm run bench:jobs.
 */
import { connectModern } from '../tests/helpers/clients.js';
import { IN_PROCESS_URL, startHarness } from '../tests/helpers/harness.js';

const MODEL = 'fal-ai/kling-video/v2.1/master/text-to-video';
const JOBS_PER_CASE = 3;
const h = await startHarness({ env: { LOG_LEVEL: 'warn', MAX_WAIT_SECONDS: '60' } });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.floor((s.length - 1) / 2)] as number) : 0;
};

interface JobRun {
  latencyMs: number;
  upstream: number;
  gaps: number[];
}

async function runOne(index: number, mode: string): Promise<JobRun> {
  const client = await connectModern({
    url: IN_PROCESS_URL,
    fetch: h.inProcessFetch,
    headers: { 'X-Fal-Key': `bench-${mode}-${index}:secret` },
  });
  const stamps: number[] = [];
  const started = Date.now();
  const r = await client.callTool(
    'run_model',
    { model: MODEL, input: { prompt: `bench ${index}` }, wait_seconds: 60 },
    () => stamps.push(Date.now()),
  );
  const answered = Date.now();
  await client.close();
  const out = r.structuredContent as { status: string; request_id: string };
  if (out.status !== 'COMPLETED') throw new Error(`job did not complete: ${JSON.stringify(out)}`);
  const job = h.emulator.state.jobs.get(out.request_id);
  if (!job) throw new Error('job unknown to the emulator');
  const completedAt = job.submittedAt + job.timing.queueMs + job.timing.runMs;
  const upstream = h.emulator.faults.calls.filter(
    (c) =>
      c.path.includes(out.request_id) ||
      (c.route === 'queue.submit' && c.at >= started && c.key?.startsWith(`bench-${mode}-${index}:`)),
  ).length;
  const gaps = stamps.map((t, i) => t - (stamps[i - 1] ?? started)).slice(1);
  return { latencyMs: answered - completedAt, upstream, gaps };
}

console.log(
  '| job length | waiting by | completion → result (median, max) | upstream requests per job | progress gap (median, max) |',
);
console.log('|---|---|---|---|---|');
for (const seconds of [2, 10, 40]) {
  for (const mode of ['polling', 'stream']) {
    h.emulator.faults.clear();
    // A stream answered with JSON, as fal's old emulation did: the server polls, and no circuit opens.
    if (mode === 'polling') h.emulator.inject('queue.stream', { malformed: true });
    h.emulator.state.setTiming(MODEL, { queueMs: seconds * 500, runMs: seconds * 500, queuePosition: 4 });
    const runs = await Promise.all(Array.from({ length: JOBS_PER_CASE }, (_, i) => runOne(i, mode)));
    const latencies = runs.map((r) => r.latencyMs);
    const upstream = runs.map((r) => r.upstream);
    const gaps = runs.flatMap((r) => r.gaps);
    console.log(
      `| ${seconds} s | ${mode} | ${median(latencies)} ms, ${Math.max(...latencies)} ms | ` +
        `${median(upstream)} (${Math.min(...upstream)}–${Math.max(...upstream)}) | ` +
        `${median(gaps)} ms, ${Math.max(0, ...gaps)} ms |`,
    );
  }
}
await h.close();

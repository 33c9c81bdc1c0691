import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

type Listed = {
  request_id: string;
  model: string;
  status: string;
  submitted_at: string;
  estimated_cost_usd?: number;
  tool?: string;
  prompt?: string;
  media: { url: string; kind: string }[];
  similarity?: number;
  source: string;
};
type Listing = {
  jobs: Listed[];
  uploads: { url: string; expires_at?: string }[];
  notes: string[];
  since: string;
};
const listingOf = (r: { structuredContent?: unknown }) => r.structuredContent as Listing;
const jobOf = (r: { structuredContent?: unknown }) =>
  r.structuredContent as { request_id: string; status: string; media: { url: string }[]; notes?: string[] };

const ALICE = 'history-alice-id:alice-secret';
const BOB = 'history-bob-id:bob-secret';

describe('list_jobs: your generations, remembered', () => {
  let h: Harness;
  let alice: TestClient;
  let bob: TestClient;
  const clientWith = (key: string, harness = h) =>
    connectModern({ url: IN_PROCESS_URL, fetch: harness.inProcessFetch, headers: { 'X-Fal-Key': key } });
  const run = async (client: TestClient, prompt: string) => {
    const r = await client.callTool('run_model', { model: 'flux_schnell', input: { prompt } });
    expect(jobOf(r).status).toBe('COMPLETED');
    return jobOf(r);
  };
  beforeAll(async () => {
    h = await startHarness();
    h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
    alice = await clientWith(ALICE);
    bob = await clientWith(BOB);
  });
  afterAll(async () => {
    await Promise.all([alice.close(), bob.close()]);
    await h.close();
  });

  it("lists the caller's jobs newest first, with status, cost, media and tool; never another tenant's", async () => {
    const car = await run(alice, 'a red sports car at dusk');
    const boat = await run(alice, 'a blue fishing boat');
    const theirs = await run(bob, 'a green tractor');
    const mine = await alice.callTool('list_jobs', {});
    expect(mine.isError).toBeFalsy();
    const { jobs } = listingOf(mine);
    expect(jobs.map((j) => j.request_id)).toEqual([boat.request_id, car.request_id]);
    expect(jobs[0]).toMatchObject({
      model: 'fal-ai/flux/schnell',
      status: 'COMPLETED',
      tool: 'run_model',
      prompt: 'a blue fishing boat',
      source: 'both',
      media: [{ url: boat.media[0]?.url, kind: 'image' }],
    });
    expect(jobs[0]?.estimated_cost_usd).toBeGreaterThan(0);
    expect(textOf(mine)).toMatch(
      /^2 job\(s\) since .*, newest first:\n- .* fal-ai\/flux\/schnell · COMPLETED/,
    );
    const others = await bob.callTool('list_jobs', { since: '7d' });
    expect(listingOf(others).jobs.map((j) => j.request_id)).toEqual([theirs.request_id]);
    expect(JSON.stringify(others)).not.toContain(car.request_id);
    expect(JSON.stringify(others)).not.toContain('sports car');
  });

  it("finds past work by meaning through fal's semantic search", async () => {
    const found = await alice.callTool('list_jobs', { query: 'red car', since: '7d' });
    const { jobs } = listingOf(found);
    expect(jobs[0]?.prompt).toBe('a red sports car at dusk');
    expect(jobs[0]?.similarity).toBeGreaterThan(0.5);
    expect(jobs.map((j) => j.prompt)).not.toContain('a blue fishing boat');
    expect(h.emulator.faults.callsTo('requests.search').at(-1)?.query).toMatch(/query=red\+car/);
    const none = await alice.callTool('list_jobs', { query: 'submarine volcano' });
    expect(listingOf(none).jobs).toEqual([]);
    expect(textOf(none)).toMatch(/^0 job\(s\) since .* matching "submarine volcano"/);
  });

  it('filters by status and model, and says what a bad since means', async () => {
    h.emulator.state.setTiming('fal-ai/flux/dev', { queueMs: 60_000, runMs: 10 });
    const slow = await alice.callTool('submit_job', { model: 'flux_dev', input: { prompt: 'slow one' } });
    const slowId = jobOf(slow).request_id;
    const pending = listingOf(await alice.callTool('list_jobs', { status: 'pending' })).jobs;
    expect(pending.map((j) => [j.request_id, j.status])).toEqual([[slowId, 'IN_QUEUE']]);
    const done = listingOf(await alice.callTool('list_jobs', { status: 'completed' })).jobs;
    expect(done.map((j) => j.request_id)).not.toContain(slowId);
    expect(done.length).toBe(2);
    const dev = listingOf(await alice.callTool('list_jobs', { model: 'flux_dev' })).jobs;
    expect(dev.map((j) => j.request_id)).toEqual([slowId]);
    await alice.callTool('cancel_job', { request_id: slowId });

    const future = await alice.callTool('list_jobs', { since: '2999-01-01' });
    expect(future.isError).toBe(true);
    expect(textOf(future)).toMatch(/since is in the future .* give a past time, e\.g\. "24h"/);
    const garbage = await alice.callTool('list_jobs', { since: 'last tuesday' });
    expect(garbage.isError).toBe(true);
    expect(textOf(garbage)).toMatch(
      /neither an ISO date or time .* nor a span back from now \(30m, 24h, 7d, 2w\)/,
    );
    const ancient = await alice.callTool('list_jobs', { since: '2020-01-01' });
    expect(ancient.isError).toBeFalsy();
    expect(listingOf(ancient).notes.join(' ')).toMatch(/fal keeps request history for 30 days: listing from/);
  });

  it("a restarted server lists yesterday's jobs through fal, and check_job finds one fal's queue forgot", async () => {
    const yesterday = await run(alice, 'a lighthouse in fog');
    const entry = h.emulator.state.requestLog.find((j) => j.requestId === yesterday.request_id);
    if (!entry) throw new Error('the emulator lost the job');
    entry.submittedAt -= 20 * 3600_000;
    // A new process with its own memory: it never saw these jobs.
    const fresh = await startHarness({ sharedEmulator: h.emulator });
    try {
      const client = await clientWith(ALICE, fresh);
      const listed = listingOf(await client.callTool('list_jobs', {})).jobs;
      const found = listed.find((j) => j.request_id === yesterday.request_id);
      expect(found).toMatchObject({ source: 'fal', status: 'COMPLETED', prompt: 'a lighthouse in fog' });
      expect(found?.media[0]?.url).toBe(yesterday.media[0]?.url);
      expect(found?.estimated_cost_usd).toBeGreaterThan(0);
      // fal's queue forgot it; no model given: the history names the model and holds the output.
      h.emulator.state.jobs.delete(yesterday.request_id);
      const checked = await client.callTool('check_job', { request_id: yesterday.request_id });
      expect(checked.isError).toBeFalsy();
      expect(jobOf(checked)).toMatchObject({
        status: 'COMPLETED',
        media: [{ url: yesterday.media[0]?.url }],
      });
      expect(textOf(checked)).toMatch(/comes from fal's request history/);
      await client.close();
    } finally {
      await fresh.close();
    }
  });

  it('a key that may not read its history is told so, and still sees the jobs this server started', async () => {
    const limited = await clientWith('history-nohistory-id:secret');
    const job = await run(limited, 'a quiet meadow');
    const r = await limited.callTool('list_jobs', {});
    expect(r.isError).toBeFalsy();
    expect(listingOf(r).jobs).toMatchObject([
      { request_id: job.request_id, source: 'here', status: 'COMPLETED' },
    ]);
    expect(textOf(r)).toMatch(
      /fal did not let this key read its request history \(403: the key lacks the "models:requests:read" permission\); showing the 1 job\(s\) this server started/,
    );
    await limited.close();
  });
});

describe("list_jobs when fal's history is slow", () => {
  it('answers in bounded time with the jobs started here, saying fal did not answer', async () => {
    const h = await startHarness({ env: { UPSTREAM_TIMEOUT_MS: '1000' } });
    try {
      h.emulator.state.setTiming('*', { queueMs: 10, runMs: 20 });
      const client = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'history-slow-id:secret' },
      });
      const job = jobOf(
        await client.callTool('run_model', { model: 'flux_schnell', input: { prompt: 'slow' } }),
      );
      // Longer than this test may run: without the bound, list_jobs would wait it out.
      h.emulator.inject('requests.search', { delayMs: 60_000 });
      const r = await client.callTool('list_jobs', {});
      expect(listingOf(r).jobs).toMatchObject([
        { request_id: job.request_id, source: 'here', status: 'COMPLETED' },
      ]);
      expect(textOf(r)).toMatch(
        /fal's request history did not answer within 1 s; showing the 1 job\(s\) this server started/,
      );
      await client.close();
    } finally {
      h.emulator.faults.clear();
      await h.close();
    }
  });
});

describe('list_jobs on an operator key', () => {
  const A = 'access-token-alice-history-0123456789abcdef';
  const B = 'access-token-bobby-history-0123456789abcdef';
  it("each access token sees only the jobs it started, though fal's history holds everyone's", async () => {
    const h = await startHarness({
      env: { FAL_KEY: 'operator-hist-id:operator-secret', MCP_AUTH_TOKENS: `${A},${B}` },
    });
    try {
      const as = (token: string) =>
        connectModern({
          url: IN_PROCESS_URL,
          fetch: h.inProcessFetch,
          headers: { Authorization: `Bearer ${token}` },
        });
      const [alice, bob] = await Promise.all([as(A), as(B)]);
      const a = jobOf(
        await alice.callTool('run_model', { model: 'flux_schnell', input: { prompt: 'alice cat' } }),
      );
      const b = jobOf(
        await bob.callTool('run_model', { model: 'flux_schnell', input: { prompt: 'bob dog' } }),
      );
      const seen = listingOf(await alice.callTool('list_jobs', {}));
      expect(seen.jobs.map((j) => j.request_id)).toEqual([a.request_id]);
      const searched = listingOf(await bob.callTool('list_jobs', { query: 'alice cat' }));
      expect(searched.jobs).toEqual([]);
      expect(JSON.stringify(await bob.callTool('list_jobs', {}))).not.toContain(a.request_id);
      expect(listingOf(await bob.callTool('list_jobs', {})).jobs.map((j) => j.request_id)).toEqual([
        b.request_id,
      ]);
      await Promise.all([alice.close(), bob.close()]);
    } finally {
      await h.close();
    }
  });
});

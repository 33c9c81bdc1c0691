import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { spawnServer } from '../helpers/spawn-server.js';

const MB = 1024 * 1024;

describe('answers larger than the server reads', () => {
  let h: Harness;
  let client: TestClient;
  beforeAll(async () => {
    h = await startHarness({ env: { MAX_UPSTREAM_RESPONSE_BYTES: String(MB) } });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'big-id:big-secret' },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  it.each([
    [
      'with a declared length',
      false,
      /fal's answer is 2097152 bytes, larger than this server reads \(1048576 bytes/,
    ],
    ['streamed without one', true, /fal's answer is more than 1048576 bytes, larger than this server reads/],
  ])(
    'a result %s over the cap ends the call with its request id and how to fetch it',
    async (_, chunked, why) => {
      h.emulator.state.setTiming('fal-ai/flux/dev', {
        queueMs: 0,
        runMs: 10,
        resultBytes: 2 * MB,
        resultChunked: chunked,
      });
      const r = await client.callTool('run_model', { model: 'flux_dev', input: { prompt: 'huge' } });
      expect(r.isError).toBe(true);
      const text = textOf(r);
      const requestId = /request (req-[\w-]+) completed/.exec(text)?.[1];
      expect(requestId).toBeDefined();
      expect(text).toMatch(why);
      expect(text).toContain(
        `Fetch the result from fal directly with your key: curl -H "Authorization: Key $FAL_KEY" '${h.emulator.queueUrl}/fal-ai/flux/requests/${requestId}'`,
      );
    },
  );

  it('a result under the cap is read, its inline data left out of what the agent sees', async () => {
    h.emulator.state.setTiming('fal-ai/flux/dev', { queueMs: 0, runMs: 10, resultBytes: 900 * 1024 });
    const r = await client.callTool('run_model', { model: 'flux_dev', input: { prompt: 'big' } });
    expect(r.structuredContent).toMatchObject({
      status: 'COMPLETED',
      notes: expect.arrayContaining(['1 inline data URI(s) left out of the result.']),
    });
    expect(JSON.stringify(r).length).toBeLessThan(10_000);
  });
});

describe('a 150 MB result under the image heap cap (256 MB)', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());

  it("tenant A's huge results are refused; tenant B's call in flight completes; the process lives", async () => {
    const server = await spawnServer(emu, {
      nodeArgs: ['--max-old-space-size=256'],
      env: { RATE_LIMIT_PER_MINUTE: '0' },
    });
    const url = server.url;
    try {
      emu.state.setTiming('fal-ai/flux-pro/v1.1', {
        queueMs: 0,
        runMs: 10,
        resultBytes: 150 * MB,
        resultChunked: true,
      });
      emu.state.setTiming('fal-ai/flux/schnell', { queueMs: 0, runMs: 10, resultBytes: 150 * MB });
      emu.state.setTiming('fal-ai/flux/dev', { queueMs: 300, runMs: 1500 });
      const a = await connectModern({ url, headers: { 'X-Fal-Key': 'huge-a-id:huge-a' } });
      const b = await connectModern({ url, headers: { 'X-Fal-Key': 'calm-b-id:calm-b' } });
      const bCall = b.callTool('run_model', {
        model: 'flux_dev',
        input: { prompt: 'ordinary' },
        wait_seconds: 10,
      });
      const attacks = await Promise.all([
        ...[1, 2, 3].map(() =>
          a.callTool('run_model', { model: 'fal-ai/flux-pro/v1.1', input: { prompt: 'x' } }),
        ),
        ...[1, 2, 3].map(() =>
          a.callTool('run_model', { model: 'fal-ai/flux/schnell', input: { prompt: 'x' } }),
        ),
      ]);
      expect(
        attacks.filter((r) => /larger than this server reads/.test(textOf(r))).length,
      ).toBeGreaterThanOrEqual(4);
      for (const r of attacks) {
        expect(r.isError).toBe(true);
        // Over the cap; or, while this tenant already holds its share of large answers, refused for now.
        expect(textOf(r)).toMatch(
          /request req-[\w-]+ completed, but (fal's answer is .*larger than this server reads|this server is holding too many large answers from fal right now)/,
        );
      }
      expect((await bCall).structuredContent).toMatchObject({ status: 'COMPLETED' });
      expect((await fetch(url.replace('/mcp', '/health'))).status).toBe(200);
      expect(server.hasExited()).toBe(false);
      await Promise.all([a.close(), b.close()]);
    } finally {
      server.kill();
    }
  }, 60_000);
});

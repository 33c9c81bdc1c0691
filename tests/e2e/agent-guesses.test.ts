import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

/** What agents guess: an argument the tool does not know is read as its synonym or refused by name. */
describe.each(['modern', 'legacy'] as const)('argument guesses (%s client)', (era) => {
  let h: Harness;
  let client: TestClient;
  beforeAll(async () => {
    h = await startHarness();
    client = await CLIENTS[era]({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': `guess-${era}:secret` },
    });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  const call = (tool: string, args: Record<string, unknown>) =>
    client.callTool(tool, args).catch((e: Error) => ({
      isError: true,
      content: [{ type: 'text', text: e.message }],
      structuredContent: undefined,
    }));
  const ids = (r: { structuredContent?: unknown }) =>
    ((r.structuredContent as { models?: { id: string }[] } | undefined)?.models ?? []).map((m) => m.id);

  it('list_models reads "query" as its search filter, not as nothing', async () => {
    const guessed = await call('list_models', { query: 'flux', limit: 200 });
    const real = await call('list_models', { search: 'flux', limit: 200 });
    const everything = await call('list_models', { limit: 200 });
    expect(guessed.isError).toBeFalsy();
    expect(ids(guessed)).toEqual(ids(real));
    expect(ids(guessed).length).toBeGreaterThan(0);
    expect(ids(guessed)).not.toEqual(ids(everything));
  });

  it('refuses an unknown argument by name, with the closest real one and the full list', async () => {
    const r = await call('list_models', { serach: 'flux' });
    expect(r.isError).toBe(true);
    expect(textOf(r)).toMatch(
      /unknown argument "serach" \(did you mean "search"\?\); this tool takes category, search, limit, max_unit_price_usd, sort/,
    );
    const pricedBefore = h.emulator.faults.callsTo('pricing').length;
    const far = await call('get_pricing', { models: ['flux_dev'], currency: 'EUR' });
    expect(far.isError).toBe(true);
    expect(textOf(far)).toMatch(/unknown argument "currency"; this tool takes models/);
    expect(h.emulator.faults.callsTo('pricing')).toHaveLength(pricedBefore);
    // An absurd name is cut short in the message.
    const long = await call('list_models', { ['x'.repeat(5_000)]: 1 });
    expect(textOf(long).length).toBeLessThan(600);
  });

  it('reads common names for the model and the job everywhere, and refuses both spellings at once', async () => {
    const schema = await call('get_model_schema', { endpoint_id: 'fal-ai/flux/dev' });
    expect(schema.isError).toBeFalsy();
    expect(schema.structuredContent).toMatchObject({ model: 'fal-ai/flux/dev' });
    const both = await call('get_model_schema', { model: 'fal-ai/flux/dev', model_id: 'flux_dev' });
    expect(both.isError).toBe(true);
    expect(textOf(both)).toMatch(/"model_id" and "model" are the same argument: send only "model"/);
  });

  it('get_pricing prices what it can and names the closest models for the rest', async () => {
    const r = await call('get_pricing', { models: ['flux_dev', 'flux_devv', 'fal-ai/not-a/model'] });
    expect(r.isError).toBeFalsy();
    const out = r.structuredContent as {
      prices: { model: string }[];
      unknown: { model: string; closest: string[] }[];
    };
    expect(out.prices.map((p) => p.model)).toEqual(['fal-ai/flux/dev']);
    expect(out.unknown.map((u) => u.model)).toEqual(['flux_devv', 'fal-ai/not-a/model']);
    expect(out.unknown[0]?.closest).toContain('fal-ai/flux/dev');
    expect(textOf(r)).toMatch(/- flux_devv: not a fal model; closest: fal-ai\/flux\/dev/);
    // Many ids fal may not know cost one batch call, not one call each.
    h.emulator.faults.clear();
    const many = Array.from({ length: 20 }, (_, i) => `fal-ai/made-up/model-${i}`);
    const batch = await call('get_pricing', { models: ['flux_schnell', ...many] });
    expect((batch.structuredContent as { unknown: unknown[] }).unknown).toHaveLength(20);
    expect(h.emulator.faults.callsTo('pricing').length).toBeLessThanOrEqual(2);
    const none = await call('get_pricing', { models: ['nope_not_a_model'] });
    expect(none.isError).toBe(true);
    expect(textOf(none)).toMatch(/Unknown model "nope_not_a_model"/);
  });

  it('a tool-specific synonym reaches the model as the real field (generate_image color → colour)', async () => {
    const r = await call('generate_image', { prompt: 'a kite', color: 'teal and orange', wait_seconds: 0 });
    expect(r.isError).toBeFalsy();
    const requestId = (r.structuredContent as { request_id: string }).request_id;
    expect(JSON.stringify(h.emulator.state.jobs.get(requestId)?.input)).toMatch(/teal and orange/);
  });
});

describe('one URL policy for every tool that submits', () => {
  it('run_model refuses a private URL anywhere in its input, as the media tools do; FETCH_ALLOW_HOSTS exempts a dev fal', async () => {
    const h = await startHarness({ env: (emu) => ({ FETCH_ALLOW_HOSTS: new URL(emu.origin).host }) });
    try {
      const client = await CLIENTS.modern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'urls-id:secret' },
      });
      const nested = await client.callTool('run_model', {
        model: 'fal-ai/flux/dev/image-to-image',
        input: { prompt: 'x', image_url: 'http://10.1.2.3/cat.png' },
      });
      expect(nested.isError).toBe(true);
      expect(textOf(nested)).toMatch(
        /^image_url points at a private or local address \(10\.1\.2\.3\) that fal cannot reach/,
      );
      expect(h.emulator.faults.callsTo('queue.submit')).toHaveLength(0);
      // The emulator's CDN (loopback, exempted): what one tool made, the next can use.
      const made = await client.callTool('generate_image', { prompt: 'a cat', wait_seconds: 10 });
      const url = (made.structuredContent as { media: { url: string }[] }).media[0]?.url ?? '';
      expect(new URL(url).hostname).toBe('127.0.0.1');
      for (const [tool, args] of [
        ['edit_image', { operation: 'remove_background', image_url: url }],
        ['run_model', { model: 'fal-ai/flux/dev/image-to-image', input: { prompt: 'x', image_url: url } }],
      ] as const) {
        const chained = await client.callTool(tool, { ...args, wait_seconds: 0 });
        expect([tool, chained.isError ?? false, textOf(chained).slice(0, 200)]).toEqual([
          tool,
          false,
          expect.any(String),
        ]);
      }
      await client.close();
    } finally {
      await h.close();
    }
  });
});

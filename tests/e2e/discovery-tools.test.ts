import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../emulator/catalogue.js';
import { connectLegacy, connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { structuredOf, type ToolName } from '../helpers/structured.js';

const KEY = 'disco-id:disco-secret';
const ADMIN = 'admin-id:admin-secret';

describe('the discovery tools through a real client', () => {
  let h: Harness;
  let client: TestClient;
  const call = async <N extends ToolName>(name: N, args: Record<string, unknown>) => {
    const r = await client.callTool(name, args);
    return { ...r, data: structuredOf(name, r), text: textOf(r) };
  };

  beforeAll(async () => {
    h = await startHarness();
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': KEY },
    });
    await h.services.registry.catalogue();
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });
  beforeEach(() => h.emulator.faults.clear());

  describe('search_models', () => {
    it("asks fal's search with q, status=active, limit and category", async () => {
      const r = await call('search_models', { query: 'lip sync', category: 'video-to-video', limit: 3 });
      expect(r.isError).toBeFalsy();
      expect(r.data.source).toBe('fal');
      expect(r.data.used_fallback).toBe(false);
      const q = new URLSearchParams(h.emulator.faults.callsTo('models').at(-1)?.query);
      expect(Object.fromEntries(q)).toMatchObject({
        q: 'lip sync',
        status: 'active',
        limit: '3',
        category: 'video-to-video',
      });
      expect(r.data.models.every((m: { category: string }) => m.category === 'video-to-video')).toBe(true);
    });

    it('filters a simplified category locally across all of its fal categories', async () => {
      const r = await call('search_models', { query: 'upscale', category: 'image', limit: 10 });
      const cats = new Set(r.data.models.map((m: { category: string }) => m.category));
      expect([...cats].every((c) => c === 'text-to-image' || c === 'image-to-image')).toBe(true);
      expect(
        new URLSearchParams(h.emulator.faults.callsTo('models').at(-1)?.query).get('category'),
      ).toBeNull();
    });

    it.each([
      [{ status: 500 }, 'API error (HTTP 500)'],
      [{ drop: true }, 'Connection error'],
      [{ malformed: true }, 'Unexpected response: fal answered with a body that is not valid JSON'],
    ])('falls back to the local index when fal fails (%o)', async (fault, reason) => {
      h.emulator.inject('models', fault);
      const r = await call('search_models', { query: 'whisper', limit: 3 });
      expect(r.isError).toBeFalsy();
      expect(r.data).toMatchObject({ source: 'local', used_fallback: true, fallback_reason: reason });
      expect(r.data.models[0]?.id).toBe('fal-ai/whisper');
      expect(r.text).toContain(`local index: ${reason}`);
    });

    it('falls back to the local index when fal answers too late', async () => {
      // Its own server with a short upstream deadline: the same fallback, in a second, not in three tries of 5 s.
      const quick = await startHarness({ env: { UPSTREAM_TIMEOUT_MS: '300', UPSTREAM_RETRIES: '0' } });
      try {
        await quick.services.registry.catalogue();
        quick.emulator.inject('models', { delayMs: 1_000 });
        const c = await connectModern({
          url: IN_PROCESS_URL,
          fetch: quick.inProcessFetch,
          headers: { 'X-Fal-Key': KEY },
        });
        const r = await c.callTool('search_models', { query: 'whisper', limit: 3 });
        await c.close();
        expect(r.structuredContent).toMatchObject({ used_fallback: true, fallback_reason: 'API timeout' });
        expect(textOf(r)).toContain('local index: API timeout');
      } finally {
        await quick.close();
      }
    });

    it('uses the caller key for the search but never for the shared crawl', async () => {
      await call('search_models', { query: 'flux', limit: 1 });
      expect(h.emulator.faults.callsTo('models').at(-1)?.key).toBe(KEY);
      // The crawl that built the shared catalogue ran anonymously.
      expect(h.services.registry.status().crawls).toBe(1);
    });
  });

  describe('recommend_model', () => {
    it('ranks models for a task with reasons', async () => {
      const r = await call('recommend_model', { task: 'transcribe a podcast', limit: 3 });
      expect(r.data.recommendations).toHaveLength(3);
      for (const rec of r.data.recommendations) {
        expect(rec.category).toBe('speech-to-text');
        expect(rec.reason).toMatch(
          /^For transcribing speech; Supports speech transcription \(takes speech, gives text\); .*Matches "transcribe"; Your price: \$[\d.]+ per \w+$/,
        );
      }
      expect(r.text).toMatch(/^1\. fal-ai\/\S+ — .+: /);
    });

    it('considers every fal category of a simplified kind, leading with the generative one', async () => {
      const r = await call('recommend_model', { task: 'flux', category: 'image', limit: 10 });
      const cats = r.data.recommendations.map((m: { category: string }) => m.category);
      expect(cats).toContain('text-to-image');
      expect(cats).toContain('image-to-image');
      expect(r.data.recommendations[0]?.reason).toMatch(/Part of .* family/);
    });

    it('says when it answered from the local index', async () => {
      h.emulator.inject('models', { status: 503 });
      const r = await call('recommend_model', { task: 'remove background from product photo', limit: 3 });
      expect(r.data).toMatchObject({ used_fallback: true, fallback_reason: 'API error (HTTP 503)' });
      expect(r.data.recommendations[0]?.reason).toMatch(/Matches "remove", "background"/);
    });
  });

  describe('get_model_schema', () => {
    it('summarises inputs and outputs for an agent', async () => {
      const r = await call('get_model_schema', { model: 'flux_dev' });
      expect(r.data.model).toBe('fal-ai/flux/dev');
      expect(r.data.required).toEqual(['prompt']);
      const size = r.data.fields.find((f) => f.name === 'image_size');
      expect(size).toMatchObject({ type: 'ImageSize | string', default: 'landscape_4_3' });
      expect(size?.enum).toContain('square_hd');
      expect(r.data.output_media).toEqual([{ field: 'images', kind: 'image', many: true }]);
      expect(r.data.input_schema).toBeUndefined();
      expect(r.text).toMatch(/- prompt \(required\): string/);
    });

    it('names the inputs that take file URLs, and gives full schemas on request', async () => {
      const r = await call('get_model_schema', {
        model: 'fal-ai/kling-video/v2.1/master/image-to-video',
        detail: 'full',
      });
      expect(r.data.file_inputs).toEqual(['image_url']);
      expect(r.data.output_media).toEqual([{ field: 'video', kind: 'video', many: false }]);
      const inputs = r.data.input_schema?.properties as Record<string, Record<string, unknown>> | undefined;
      expect(inputs?.image_url?.['x-fal-file-input']).toBe(true);
    });

    it('"full" puts descriptions and the JSON Schemas in the text, for clients that only read text', async () => {
      const summary = await call('get_model_schema', { model: 'flux_dev' });
      const full = await call('get_model_schema', { model: 'flux_dev', detail: 'full' });
      const description = (full.data.fields as { name: string; description?: string }[]).find(
        (f) => f.name === 'prompt',
      )?.description;
      expect(description).toBeTruthy();
      expect(summary.text).not.toContain(description);
      expect(full.text).toContain(`- prompt (required): string\n    ${description}`);
      expect(full.text).toMatch(/\[one of .*"square_hd".*; default "landscape_4_3"\]/);
      const input = /^Input JSON Schema: (.*)$/m.exec(full.text)?.[1] ?? '';
      expect(JSON.parse(input)).toEqual(full.data.input_schema);
      expect(full.text).toMatch(/^Output JSON Schema: \{/m);
    });

    it('fetches each schema once, however many ask', async () => {
      await Promise.all(
        Array.from({ length: 20 }, () => call('get_model_schema', { model: 'fal-ai/lyria2' })),
      );
      const finds = h.emulator.faults.callsTo('models').filter((c) => c.query.includes('lyria2'));
      expect(finds).toHaveLength(1);
    });

    it('refuses an unknown model with close matches', async () => {
      const r = await call('get_model_schema', { model: 'fal-ai/flux/devx' });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/Unknown model "fal-ai\/flux\/devx"\. Closest matches: fal-ai\/flux\/dev/);
    });
  });

  describe('prices and usage', () => {
    it('get_pricing sends repeated endpoint_id with resolved aliases and caches per tenant', async () => {
      // A tenant whose prices nothing has cached yet (discovery calls price their pages too).
      const fresh = await connectLegacy({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'pricing-id:pricing-secret' },
      });
      const ask = async (models: string[]) => {
        const out = await fresh.callTool('get_pricing', { models });
        return { data: out.structuredContent as { prices: { model: string }[]; notes: string[] } };
      };
      h.emulator.faults.clear();
      const r = await ask(['flux_dev', 'kling', 'fal-ai/whisper']);
      expect(r.data.prices.map((p: { model: string }) => p.model)).toEqual([
        'fal-ai/flux/dev',
        'fal-ai/kling-video/v2.1/master/text-to-video',
        'fal-ai/whisper',
      ]);
      expect(r.data.notes[0]).toMatch(/Alias "kling" pointed at fal-ai\/kling-video/);
      const q = new URLSearchParams(h.emulator.faults.callsTo('pricing')[0]?.query);
      expect(q.getAll('endpoint_id')).toHaveLength(3);

      await ask(['flux_dev']);
      await fresh.close();
      expect(h.emulator.faults.callsTo('pricing')).toHaveLength(1);
      const other = await connectLegacy({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'other-id:other-secret' },
      });
      await other.callTool('get_pricing', { models: ['flux_dev'] });
      await other.close();
      expect(h.emulator.faults.callsTo('pricing')).toHaveLength(2);
    });

    it('estimate_cost supports both estimate types', async () => {
      const calls = await call('estimate_cost', { items: [{ model: 'flux_dev', quantity: 100 }] });
      expect(calls.data).toMatchObject({
        estimate_type: 'historical_api_price',
        total_cost: 10,
        currency: 'USD',
      });
      const units = await call('estimate_cost', {
        estimate_type: 'unit_price',
        items: [{ model: 'fal-ai/flux/dev', quantity: 50 }],
      });
      expect(units.data.total_cost).toBe(1.25);
      expect(units.text).toMatch(/^Estimated total: 1.25 USD/);
      // Fractional units are fine; fractional or zero calls are not, and nothing reaches fal.
      const fractional = await call('estimate_cost', {
        estimate_type: 'unit_price',
        items: [{ model: 'flux_dev', quantity: 0.5 }],
      });
      expect(fractional.isError).toBeFalsy();
    });

    it('estimate_cost checks quantities as fal does, before any call', async () => {
      const before = h.emulator.faults.callsTo('estimate').length;
      const calls = await call('estimate_cost', {
        items: [
          { model: 'flux_dev', quantity: 2.5 },
          { model: 'flux_schnell', quantity: 0 },
        ],
      });
      expect(calls.isError).toBe(true);
      expect(calls.text).toMatch(
        /^items\[0\]\.quantity \(flux_dev\): 2\.5 calls — a number of calls is a whole number, at least 1; items\[1\]\.quantity \(flux_schnell\): 0 calls/,
      );
      expect(calls.text).toMatch(/use estimate_type "unit_price"/);
      const units = await call('estimate_cost', {
        estimate_type: 'unit_price',
        items: [{ model: 'flux_dev', quantity: 0 }],
      });
      expect(units.isError).toBe(true);
      expect(units.text).toMatch(/billing units must be above 0/);
      expect(h.emulator.faults.callsTo('estimate')).toHaveLength(before);
    });

    it('get_usage sends the seed parameters and explains a non-admin key', async () => {
      const refused = await call('get_usage', {
        start: '2026-11-01',
        end: '2026-11-25',
        models: ['flux_dev'],
      });
      expect(refused.isError).toBe(true);
      expect(refused.text).toMatch(/needs an ADMIN key/);
      const q = new URLSearchParams(h.emulator.faults.callsTo('usage').at(-1)?.query);
      expect(q.getAll('expand')).toEqual(['summary']);
      expect(Object.fromEntries(q)).toMatchObject({
        start: '2026-11-01',
        end: '2026-11-25',
        endpoint_id: 'fal-ai/flux/dev',
      });

      const admin = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': ADMIN },
      });
      const ok = await admin.callTool('get_usage', {});
      await admin.close();
      expect(ok.isError).toBeFalsy();
      expect(ok.structuredContent).toMatchObject({ summary: [], totals: [] });
    });

    it("get_usage follows fal's pages, and says when there were more than it reads", async () => {
      const admin = await connectModern({
        url: IN_PROCESS_URL,
        fetch: h.inProcessFetch,
        headers: { 'X-Fal-Key': 'pager-admin-id:pager-secret' },
      });
      const models = loadCatalogue()
        .filter((m) => m.metadata.category === 'text-to-image')
        .slice(0, 12)
        .map((m) => m.endpoint_id);
      for (const model of models) await admin.callTool('submit_job', { model, input: { prompt: 'x' } });
      // The models that took the bare prompt (some need more inputs), in the emulator's row order.
      const used = [
        ...new Set(
          [...h.emulator.state.jobs.values()]
            .filter((j) => j.key === 'pager-admin-id:pager-secret')
            .map((j) => j.endpointId),
        ),
      ].sort();
      expect(used.length).toBeGreaterThanOrEqual(11);
      h.emulator.state.usagePageSize = 4;
      try {
        h.emulator.faults.clear();
        const three = await admin.callTool('get_usage', { models: used.slice(0, 10) });
        expect(three.structuredContent).toMatchObject({ partial: false });
        expect((three.structuredContent as { summary: unknown[] }).summary).toHaveLength(10);
        expect(
          h.emulator.faults.callsTo('usage').map((c) => new URLSearchParams(c.query).get('cursor')),
        ).toEqual([null, '4', '8']);
        h.emulator.state.usagePageSize = 1;
        const cut = await admin.callTool('get_usage', {});
        expect(cut.structuredContent).toMatchObject({ partial: true });
        expect((cut.structuredContent as { summary: unknown[] }).summary).toHaveLength(10);
        expect(textOf(cut)).toMatch(/^Total \(partial\): /);
        expect(textOf(cut)).toMatch(
          /more than 10 pages of usage for this query; the totals cover only the rows read/,
        );
      } finally {
        h.emulator.state.usagePageSize = 100;
        await admin.close();
      }
    });

    it('rejects a malformed date before calling fal', async () => {
      const before = h.emulator.faults.callsTo('usage').length;
      const r = await call('get_usage', { start: 'last tuesday' });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/ISO 8601/);
      expect(h.emulator.faults.callsTo('usage')).toHaveLength(before);
    });
  });
});

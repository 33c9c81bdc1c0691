import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';
import { registryFor } from '../helpers/registry.js';

describe('the catalogue cache', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.faults.clear());
  afterEach(() => vi.useRealTimers());

  const crawls = () => emu.faults.callsTo('models').filter((c) => !c.query.includes('cursor=')).length;

  it('crawls every page, following next_cursor while has_more', async () => {
    const { registry } = registryFor(emu);
    const catalogue = await registry.catalogue();
    expect(catalogue.models.size).toBe(1207);
    expect(catalogue.source).toBe('live');
    const pages = emu.faults.callsTo('models');
    expect(pages).toHaveLength(13);
    expect(new URLSearchParams(pages[0]?.query).get('limit')).toBe('100');
    expect(new URLSearchParams(pages[0]?.query).get('cursor')).toBeNull();
    expect(new URLSearchParams(pages[1]?.query).get('cursor')).toBe(Buffer.from('1').toString('base64'));
  });

  it('skips and counts malformed entries, and logs an empty first page as suspicious', async () => {
    emu.inject('models', {
      status: 200,
      times: 1,
      body: { models: [{ metadata: {} }, { endpoint_id: 'fal-ai/ok' }], next_cursor: null, has_more: false },
    });
    const a = registryFor(emu);
    expect((await a.registry.catalogue()).skipped).toBe(1);

    emu.inject('models', { status: 200, times: 1, body: { models: [], next_cursor: null, has_more: false } });
    const b = registryFor(emu);
    await b.registry.catalogue();
    expect(b.logs().some((l) => l.level === 'warn' && String(l.msg).includes('empty first page'))).toBe(true);
  });

  it('500 concurrent first calls cause exactly one crawl', async () => {
    const { registry } = registryFor(emu);
    const results = await Promise.all(Array.from({ length: 500 }, () => registry.catalogue()));
    expect(new Set(results).size).toBe(1);
    expect(crawls()).toBe(1);
  });

  it('calls while fresh cause no crawl; an expired cache answers at once from stale and refreshes once', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T10:00:00Z'));
    const { registry } = registryFor(emu, { ttlSeconds: 60 });
    const first = await registry.catalogue();
    emu.faults.clear();

    vi.setSystemTime(new Date('2026-11-25T10:00:59Z'));
    for (let i = 0; i < 100; i++) expect(await registry.catalogue()).toBe(first);
    expect(crawls()).toBe(0);

    vi.setSystemTime(new Date('2026-11-25T10:01:01Z'));
    emu.inject('models', { delayMs: 300, times: 1 });
    const during = await Promise.all(Array.from({ length: 50 }, () => registry.catalogue()));
    // Everyone was answered from the stale catalogue without waiting for the slow crawl.
    expect(during.every((c) => c === first)).toBe(true);
    expect(registry.status()).toMatchObject({ stale: true, refreshing: true });
    await vi.waitFor(() => expect(registry.status().refreshing).toBe(false), { timeout: 10_000 });
    expect(crawls()).toBe(1);
    expect(await registry.catalogue()).not.toBe(first);
  });

  it('a failed refresh keeps the stale catalogue and logs its age', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T10:00:00Z'));
    const { registry, logs } = registryFor(emu, { ttlSeconds: 60 });
    const first = await registry.catalogue();
    vi.setSystemTime(new Date('2026-11-25T10:05:00Z'));
    emu.inject('models', { status: 500 });
    expect(await registry.catalogue()).toBe(first);
    await vi.waitFor(() => expect(registry.status().refreshing).toBe(false));
    expect(await registry.catalogue()).toBe(first);
    expect(registry.status()).toMatchObject({ source: 'live', lastError: 'API error (HTTP 500)' });
    const warning = logs().find((l) => String(l.msg).includes('keeping the stale catalogue'));
    expect(warning).toMatchObject({ ageSeconds: 300, reason: 'API error (HTTP 500)' });
    // No hammering: within the retry pause, further calls do not start new crawls.
    const before = crawls();
    for (let i = 0; i < 20; i++) await registry.catalogue();
    expect(crawls()).toBe(before);
  });

  it('with no catalogue and fal down, serves the seed fallback list for 60 s, then retries', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-11-25T10:00:00Z'));
    emu.inject('models', { status: 503 });
    const { registry } = registryFor(emu);
    const fallback = await registry.catalogue();
    expect(fallback.source).toBe('fallback');
    expect(fallback.fallbackReason).toBe('API error (HTTP 503)');
    expect(fallback.ttlMs).toBe(60_000);
    expect(fallback.models.get('fal-ai/flux/dev')).toMatchObject({
      name: 'Flux Dev',
      description: 'Fal.ai image model (fal-ai/flux/dev)',
      owner: 'fal-ai',
    });
    // 13 legacy aliases over 12 distinct models (musicgen and lyria2 share one); retired
    // targets already point at their successors, so even offline no alias leads to a 404.
    expect(fallback.models.size).toBe(12);
    expect(fallback.aliases.get('musicgen')).toBe('fal-ai/lyria2');
    expect(fallback.aliases.get('flux_pro')).toBe('fal-ai/flux-pro/v1.1');
    expect(fallback.aliases.get('bark')).toBe('fal-ai/dia-tts');
    expect(fallback.models.has('fal-ai/flux-pro')).toBe(false);
    expect(fallback.models.get('fal-ai/whisper')?.category).toBe('speech-to-text');

    emu.faults.clear();
    vi.setSystemTime(new Date('2026-11-25T10:00:59Z'));
    expect(await registry.catalogue()).toBe(fallback);
    expect(crawls()).toBe(0);
    vi.setSystemTime(new Date('2026-11-25T10:01:01Z'));
    await registry.catalogue();
    await vi.waitFor(() => expect(registry.status().source).toBe('live'));
    expect((await registry.catalogue()).models.size).toBe(1207);
  });

  it('crawls with the operator key when one is configured, else anonymously', async () => {
    await registryFor(emu, { crawlKey: 'operator-id:operator-secret' }).registry.catalogue();
    expect(emu.faults.callsTo('models').every((c) => c.key === 'operator-id:operator-secret')).toBe(true);
    emu.faults.clear();
    await registryFor(emu).registry.catalogue();
    expect(emu.faults.callsTo('models').every((c) => c.key === null)).toBe(true);
  });
});

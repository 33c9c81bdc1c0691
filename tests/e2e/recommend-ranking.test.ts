import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { structuredOf } from '../helpers/structured.js';

type Fit = { id?: RegExp; category?: string };

/**
 * Tasks phrased the way users phrase them, over the emulated 1,207-model
 * catalogue (fal's search and the local index fused, as in production): the
 * first recommendation must be a model that does the job.
 */
const TABLE: [task: string, fits: Fit][] = [
  ['make this blurry photo sharper', { id: /deblur|sharpen|upscal/, category: 'image-to-image' }],
  ['extend the image beyond its borders', { id: /outpaint|expand/, category: 'image-to-image' }],
  ['isolate the vocals', { id: /demucs|separate|isolation/ }],
  ['keep the same character', { id: /character|reference/ }],
  ['remove the background from a product photo', { id: /background\/remove|background-removal|rembg/ }],
  ['turn this photo into a video', { category: 'image-to-video' }],
  ['read this text aloud', { category: 'text-to-speech' }],
  ['write a song with lyrics', { id: /music|song|ace-step/, category: 'text-to-audio' }],
  ['make a 3d model from a picture', { category: 'image-to-3d' }],
  ['sync the lips to this audio', { id: /lipsync|latentsync/ }],
  ['fix an old scratched photo', { id: /restor/ }],
  ['make the video longer', { id: /extend/ }],
  ['transcribe a podcast', { category: 'speech-to-text' }],
  ['upscale a video to 4k', { id: /upscal/, category: 'video-to-video' }],
];

describe('recommend_model for tasks as users phrase them', () => {
  let h: Harness;
  let client: TestClient;
  const recommend = async (task: string, headers?: Record<string, string>) => {
    const c = headers
      ? await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch, headers })
      : client;
    const r = await c.callTool('recommend_model', { task, limit: 3 });
    if (c !== client) await c.close();
    return { list: structuredOf('recommend_model', r).recommendations, text: textOf(r) };
  };

  beforeAll(async () => {
    h = await startHarness();
    client = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  it.each(TABLE)('"%s" → first: a model that does it', async (task, fits) => {
    const { list } = await recommend(task);
    const first = list[0];
    expect(first, `no recommendation for "${task}"`).toBeDefined();
    if (fits.id) expect(first?.id).toMatch(fits.id);
    if (fits.category) expect(first?.category).toBe(fits.category);
  });

  it('says what the task was read as, what the model takes and gives, and its family', async () => {
    const { list } = await recommend('isolate the vocals');
    expect(list[0]?.reason).toMatch(/^For separating vocals or instruments \(stems\); /);
    const { list: video } = await recommend('turn this photo into a video');
    expect(video[0]?.reason).toContain('(takes an image, gives a video)');
    expect(video[0]?.reason).toMatch(/Part of .+ family/);
  });

  it("shows a keyed caller's own prices, one pricing call for the page, and never another tenant's", async () => {
    const headers = { 'X-Fal-Key': 'rank-a:secret' };
    const calls = () => h.emulator.faults.callsTo('pricing').length;
    const before = calls();
    const { list } = await recommend('read this text aloud', headers);
    expect(calls() - before).toBe(1);
    expect(list.every((r) => /; Your price: \$[\d.]+ per \w+/.test(r.reason))).toBe(true);
    expect(list[0]?.unit_price).toEqual(expect.any(Number));
    // Asked again: the tenant's cached prices answer, fal is not asked.
    await recommend('read this text aloud', headers);
    expect(calls() - before).toBe(1);
    // Another key gets its own call; no key, no prices (fal's prices are per account).
    await recommend('read this text aloud', { 'X-Fal-Key': 'rank-b:secret' });
    expect(calls() - before).toBe(2);
    const keyless = await recommend('read this text aloud');
    expect(keyless.list[0]?.reason).not.toContain('Your price');
    expect(keyless.list[0]?.unit_price).toBeUndefined();
  });
});

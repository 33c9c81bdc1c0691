import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MediaFile } from '../../src/jobs/job-record.js';
import { createLogger } from '../../src/log.js';
import { type PreviewLimits, PreviewMaker } from '../../src/media/previews.js';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';

describe('PreviewMaker', () => {
  let emu: RunningEmulator;
  const logger = createLogger('silent');
  const files = (prefix: string, n: number): MediaFile[] =>
    Array.from({ length: n }, (_, i) => ({
      field: `images[${i}]`,
      url: `${emu.origin}/cdn/${prefix}/photo-${i}.png`,
      kind: 'image' as const,
      name: `photo-${i}.png`,
    }));
  const maker = (limits: Partial<PreviewLimits> = {}) =>
    new PreviewMaker({ allowHosts: [new URL(emu.origin).host], logger, limits });

  beforeAll(async () => {
    emu = await startEmulator();
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.faults.clear());

  it('keeps the whole batch within the byte budget: rougher when short of room, then left out', async () => {
    // Full and rough previews of these three, in base64: 15.4 and 3.9 KB, 28.5 and 8.5 KB, 23.0 and 6.5 KB.
    const batch = await maker({ totalBytes: 29_500 }).make(
      files('budget', 3),
      't_a',
      new AbortController().signal,
    );
    expect(batch.images.map((i) => [i.field, i.width])).toEqual([
      ['images[0]', 512],
      ['images[1]', 384],
    ]);
    const spent = batch.images.reduce((n, i) => n + i.data.length, 0);
    expect(spent).toBeLessThanOrEqual(29_500);
    expect(batch.notes).toEqual(['No preview of images[2]: the 29.5 KB preview budget is spent.']);
  });

  it('four full previews fit the default 150 KB', async () => {
    const batch = await maker().make(files('four', 4), 't_a', new AbortController().signal);
    expect(batch.images.map((i) => i.width)).toEqual([512, 512, 512, 512]);
    expect(batch.images.reduce((n, i) => n + i.data.length, 0)).toBeLessThanOrEqual(150_000);
  });

  it('gives up on a slow CDN at its time cap, with a note', async () => {
    emu.inject('cdn', { delayMs: 2_000 });
    const batch = await maker({ timeoutMs: 200 }).make(files('slow', 2), 't_a', new AbortController().signal);
    expect(batch.images).toEqual([]);
    expect(batch.notes[0]).toBe('No preview of images[0]: fetching and shrinking took longer than 0.2 s.');
  });

  it('refuses a source over the size cap before decoding it', async () => {
    const batch = await maker({ sourceBytes: 100_000 }).make(
      files('big', 1),
      't_a',
      new AbortController().signal,
    );
    expect(batch.images).toEqual([]);
    expect(batch.notes[0]).toMatch(
      /^No preview of images\[0\]: the file is \d+ bytes; the limit is 100000\.$/,
    );
  });

  it('makes two batches per tenant at once: a third waits for nothing and says so', async () => {
    emu.inject('cdn', { delayMs: 300, times: 2 });
    const m = maker();
    const signal = new AbortController().signal;
    const [a, b, c, other] = await Promise.all([
      m.make(files('busy-a', 1), 't_a', signal),
      m.make(files('busy-b', 1), 't_a', signal),
      m.make(files('busy-c', 1), 't_a', signal),
      m.make(files('busy-d', 1), 't_b', signal),
    ]);
    expect([a, b].map((x) => x.images.length)).toEqual([1, 1]);
    expect(c).toEqual({
      images: [],
      notes: ['No previews this time (the server is busy making others); check_job shows them.'],
    });
    // Another tenant is not held up by the first one's batches.
    expect(other.images).toHaveLength(1);
  });

  it("charges a tenant's downloads to its own budget: past it, a note, and another tenant is untouched", async () => {
    // Room for one 4 MiB source, refilled slowly: after one real download there is less than a source's worth.
    const m = maker({ sourceBytes: 4 * 1024 * 1024, maxImages: 1, tenantBytesPerMinute: 1024 });
    const signal = new AbortController().signal;
    expect((await m.make(files('budget-1', 1), 't_a', signal)).images).toHaveLength(1);
    const spent = await m.make(files('budget-2', 1), 't_a', signal);
    expect(spent.images).toEqual([]);
    expect(spent.notes[0]).toMatch(/previews for this key downloaded their share for now/);
    expect((await m.make(files('budget-3', 1), 't_b', signal)).images).toHaveLength(1);
    // Nothing was fetched for the refused one.
    expect(emu.faults.callsTo('cdn').map((c) => c.path)).not.toContain('/cdn/budget-2/photo-0.png');
  });

  it('remembers a URL that failed, and does not fetch it again', async () => {
    emu.inject('cdn', { status: 404, times: 1 });
    const m = maker();
    const signal = new AbortController().signal;
    const first = await m.make(files('gone', 1), 't_a', signal);
    const again = await m.make(files('gone', 1), 't_a', signal);
    expect(again.notes).toEqual(first.notes);
    expect(emu.faults.callsTo('cdn')).toHaveLength(1);
  });

  it('skips previews with a note when the machine is short of memory', async () => {
    const m = new PreviewMaker({
      allowHosts: [new URL(emu.origin).host],
      logger,
      freeMemory: () => 100 * 1024 * 1024,
    });
    const batch = await m.make(files('tight', 2), 't_a', new AbortController().signal);
    expect(batch).toEqual({
      images: [],
      notes: ['No previews this time: the server is short of memory; the links work.'],
    });
    expect(emu.faults.callsTo('cdn')).toHaveLength(0);
  });

  it('stops when the tool call is cancelled', async () => {
    // The CDN never answers within the test (nor does the batch's own deadline come): only the
    // cancel can end this call.
    emu.inject('cdn', { delayMs: 60_000 });
    const controller = new AbortController();
    const batch = maker({ timeoutMs: 60_000 }).make(files('cancel', 2), 't_a', controller.signal);
    await vi.waitFor(() => expect(emu.faults.callsTo('cdn')).toHaveLength(1), {
      interval: 5,
      timeout: 5_000,
    });
    controller.abort();
    expect((await batch).images).toEqual([]);
    expect(emu.faults.callsTo('cdn')).toHaveLength(1);
  });
});

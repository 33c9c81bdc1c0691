import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FalClient } from '../../src/fal/client.js';
import { FalError, parseRetryAfter } from '../../src/fal/errors.js';
import { fetchModelsPage, fetchPricing } from '../../src/fal/platform.js';
import { cancelRequest, submitToQueue } from '../../src/fal/queue.js';
import { Secret } from '../../src/lib/secret.js';
import { describeFalError } from '../../src/mcp/errors.js';
import { type RunningEmulator, startEmulator } from '../emulator/app.js';
import { underFakeClock } from '../helpers/fake-clock.js';

const KEY = { key: new Secret('unit-id:unit-secret'), tenant: 't_unit' };
const ANON = { key: undefined, tenant: 'anonymous' };

describe('the fal client against the emulator', () => {
  let emu: RunningEmulator;
  let fal: FalClient;
  beforeAll(async () => {
    emu = await startEmulator();
    fal = new FalClient({
      apiUrl: emu.apiUrl,
      queueUrl: emu.queueUrl,
      storageUrl: emu.storageUrl,
      timeoutMs: 300,
      backoffLimitMs: 50,
    });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.faults.clear());

  const failure = async (p: Promise<unknown>): Promise<FalError> => {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FalError);
    return error as FalError;
  };

  it('sends Authorization: Key and parses a page', async () => {
    const page = await fetchModelsPage(fal, { limit: 10 }, KEY);
    expect(page.models).toHaveLength(10);
    expect(page.hasMore).toBe(true);
    expect(emu.faults.calls.at(-1)?.key).toBe('unit-id:unit-secret');
  });

  it('retries a 429 after the Retry-After it was given, then succeeds', async () => {
    emu.inject('models', { status: 429, retryAfter: 2, times: 1 });
    // Its own client: a timeout long enough that virtual time never trips it.
    const patient = new FalClient({
      apiUrl: emu.apiUrl,
      queueUrl: emu.queueUrl,
      storageUrl: emu.storageUrl,
      timeoutMs: 60_000,
    });
    const page = await underFakeClock(() => fetchModelsPage(patient, { limit: 1 }, ANON));
    expect(page.models).toHaveLength(1);
    const [first, second] = emu.faults.callsTo('models');
    // The emulator shares the (virtual) clock: the retry came no sooner than fal asked.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(2_000);
    expect(emu.faults.callsTo('models')).toHaveLength(2);
  });

  it('gives up after the retry limit with a rate_limited error carrying retry-after', async () => {
    emu.inject('pricing', { status: 429, retryAfter: 0 });
    const error = await failure(fetchPricing(fal, ['fal-ai/flux/dev'], KEY));
    expect(error).toMatchObject({
      kind: 'rate_limited',
      status: 429,
      retryAfterSeconds: 0,
      falType: 'rate_limited',
    });
    expect(emu.faults.callsTo('pricing')).toHaveLength(3);
    expect(describeFalError(error)).toMatch(/rate limiting this key \(HTTP 429\)\. Retry after 0 seconds/);
  });

  it.each([
    [401, 'auth', /fal refused the key \(HTTP 401\)/],
    [403, 'auth', /fal refused the key/],
    [404, 'not_found', /does not know this model/],
    [422, 'validation', /fal rejected the input/],
    [500, 'unavailable', /fal is unavailable right now \(HTTP 500\)/],
    [502, 'unavailable', /unavailable/],
    [503, 'unavailable', /unavailable/],
  ] as const)('maps HTTP %i to %s with a message saying what to do', async (status, kind, message) => {
    emu.inject('pricing', { status });
    const error = await failure(fetchPricing(fal, ['fal-ai/flux/dev'], KEY));
    expect(error.kind).toBe(kind);
    expect(describeFalError(error)).toMatch(message);
  });

  it('reads the queue dialect of validation errors field by field', async () => {
    emu.inject('pricing', {
      status: 422,
      body: { detail: [{ loc: ['body', 'image_size'], msg: 'invalid size', type: 'value_error' }] },
    });
    const error = await failure(fetchPricing(fal, ['fal-ai/flux/dev'], KEY));
    expect(error.details).toEqual([{ field: 'image_size', message: 'invalid size' }]);
    expect(describeFalError(error)).toMatch(/image_size: invalid size/);
  });

  it("keeps fal's error type and its word on retrying, and says both", async () => {
    emu.inject('pricing', {
      status: 422,
      headers: { 'x-fal-retryable': 'false' },
      body: {
        detail: [
          {
            loc: ['body', 'prompt'],
            msg: 'The content was flagged by a content checker.',
            type: 'content_policy_violation',
          },
        ],
      },
    });
    const error = await failure(fetchPricing(fal, ['fal-ai/flux/dev'], KEY));
    expect(error).toMatchObject({ falType: 'content_policy_violation', retryable: false });
    expect(describeFalError(error)).toMatch(
      /\(HTTP 422, content_policy_violation\): prompt: The content was flagged .* fal says a retry cannot help/,
    );
  });

  it('does not retry what fal marks as not retryable, even a 503', async () => {
    emu.inject('pricing', { status: 503, headers: { 'x-fal-retryable': 'false' } });
    await failure(fetchPricing(fal, ['fal-ai/flux/dev'], KEY));
    expect(emu.faults.callsTo('pricing')).toHaveLength(1);
    emu.faults.clear();
    emu.inject('pricing', { status: 503 });
    await failure(fetchPricing(fal, ['fal-ai/flux/dev'], KEY));
    expect(emu.faults.callsTo('pricing')).toHaveLength(3);
  });

  it("goes by a cancel answer's body, whatever its HTTP status", async () => {
    const id = (await submitToQueue(fal, 'fal-ai/flux/dev', { prompt: 'x' }, KEY)).request_id;
    emu.inject('queue.cancel', { status: 409, body: { status: 'ALREADY_COMPLETED' }, times: 1 });
    expect(await cancelRequest(fal, 'fal-ai/flux/dev', id, KEY)).toBe('already_completed');
    emu.inject('queue.cancel', { status: 410, body: { status: 'NOT_FOUND' }, times: 1 });
    expect(await cancelRequest(fal, 'fal-ai/flux/dev', id, KEY)).toBe('not_found');
  });

  it('turns malformed JSON into bad_response', async () => {
    emu.inject('models', { malformed: true });
    const error = await failure(fetchModelsPage(fal, {}, ANON));
    expect(error.kind).toBe('bad_response');
  });

  it('turns a slow answer into a timeout', async () => {
    emu.inject('pricing', { delayMs: 1_000 });
    const error = await failure(fetchPricing(fal, ['fal-ai/flux/dev'], KEY));
    expect(error).toMatchObject({ kind: 'unavailable', message: 'fal did not answer in time' });
  });

  it('turns a dropped connection into unavailable', async () => {
    emu.inject('pricing', { drop: true });
    const error = await failure(fetchPricing(fal, ['fal-ai/flux/dev'], KEY));
    expect(error.kind).toBe('unavailable');
  });

  it('reads at most 256 KiB of an error body, however much fal sends', async () => {
    // A 503 whose body never ends: ky 2 read error bodies whole; a cap must stop it.
    let pulled = 0;
    const endless = async () =>
      new Response(
        new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              pulled += 16 * 1024;
              controller.enqueue(new Uint8Array(16 * 1024).fill(0x61));
            },
          },
          { highWaterMark: 0 },
        ),
        { status: 503, headers: { 'content-type': 'application/json' } },
      );
    const flooded = new FalClient({
      apiUrl: 'http://127.0.0.1:9/v1',
      queueUrl: 'http://127.0.0.1:9',
      storageUrl: 'http://127.0.0.1:9',
      timeoutMs: 5_000,
      retryLimit: 0,
      fetch: endless,
    });
    const error = await failure(fetchModelsPage(flooded, {}, ANON));
    expect(error).toMatchObject({ kind: 'unavailable', status: 503 });
    expect(pulled).toBeLessThanOrEqual(256 * 1024 + 2 * 16 * 1024);
    expect(pulled).toBeGreaterThan(0);
  });

  it('skips and counts a malformed entry instead of failing the page', async () => {
    emu.inject('models', {
      status: 200,
      body: {
        models: [{ endpoint_id: 'fal-ai/ok', metadata: { display_name: 'OK' } }, { nope: 1 }],
        has_more: false,
      },
    });
    const page = await fetchModelsPage(fal, {}, ANON);
    expect(page.models.map((m) => m.endpoint_id)).toEqual(['fal-ai/ok']);
    expect(page.skipped).toBe(1);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7')).toBe(7);
    expect(parseRetryAfter(new Date(Date.now() + 5_000).toUTCString())).toBeGreaterThanOrEqual(4);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

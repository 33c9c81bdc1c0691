import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const MB = 'x'.repeat(1024 * 1024);
const PRIVATE = 'http://169.254.169.254/latest/meta-data/';
const TRAVERSAL = 'fal-ai/../../admin';

type Args = Record<string, unknown>;
/** Per tool, a bad call for each class of bad input that applies to it, and what the message must say. */
const MATRIX: Record<string, Partial<Record<string, [Args, RegExp]>>> = {
  search_models: {
    missing: [{}, /query: Invalid key/],
    type: [{ query: 5 }, /query: Invalid type/],
    range: [{ query: 'x', limit: 500 }, /limit: Invalid value: Expected <=50/],
    huge: [{ query: MB }, /query: Invalid length/],
  },
  recommend_model: {
    missing: [{}, /task: Invalid key/],
    type: [{ task: ['x'] }, /task: Invalid type/],
    range: [{ task: 'x', limit: 0 }, /limit: Invalid value/],
    huge: [{ task: MB }, /task: Invalid length/],
  },
  list_models: {
    type: [{ category: 3 }, /category: Invalid type/],
    range: [{ limit: 201 }, /limit: Invalid value/],
    huge: [{ search: MB }, /search: Invalid length/],
  },
  get_model_schema: {
    missing: [{}, /model: Invalid key/],
    type: [{ model: 1 }, /model: Invalid type/],
    range: [{ model: 'flux_dev', detail: 'everything' }, /detail: Invalid type/],
    unknown: [{ model: 'no_such_model_xyz' }, /Unknown model "no_such_model_xyz"\. Use search_models/],
    huge: [{ model: MB }, /model: Invalid length/],
    traversal: [{ model: TRAVERSAL }, /model: .*an endpoint id like fal-ai\/flux\/dev/],
  },
  get_pricing: {
    missing: [{}, /models: Invalid key/],
    type: [{ models: 'flux_dev' }, /models: Invalid type/],
    range: [{ models: [] }, /give at least one model/],
    unknown: [{ models: ['no_such_model_xyz'] }, /Unknown model "no_such_model_xyz"/],
    traversal: [{ models: [TRAVERSAL] }, /an endpoint id like/],
  },
  estimate_cost: {
    missing: [{}, /items: Invalid key/],
    type: [{ items: [{ model: 'flux_dev', quantity: 'many' }] }, /quantity: Invalid type/],
    range: [{ items: [{ model: 'flux_dev', quantity: -1 }] }, /quantity: Invalid value/],
    unknown: [{ items: [{ model: 'no_such_model_xyz', quantity: 1 }] }, /Unknown model/],
  },
  get_account: {
    // It takes nothing: a guessed argument is named, with the tool's (empty) list.
    huge: [{ key: MB }, /unknown argument "key"/],
  },
  get_usage: {
    type: [{ start: 20261101 }, /start: Invalid type/],
    range: [{ timeframe: 'decade' }, /timeframe: Invalid type/],
    unknown: [{ models: ['no_such_model_xyz'] }, /Unknown model/],
    huge: [{ start: MB }, /ISO 8601/],
  },
  run_model: {
    missing: [{ model: 'flux_dev' }, /input: Invalid key/],
    type: [{ model: 'flux_dev', input: { prompt: 5 } }, /prompt: expected a string, got a number/],
    range: [
      { model: 'flux_dev', input: { prompt: 'x', output_format: 'bmp' } },
      /output_format: expected one of "jpeg", "png"/,
    ],
    unknown: [{ model: 'no_such_model_xyz', input: {} }, /Unknown model/],
    huge: [{ model: 'flux_dev', input: { prompt: MB } }, /the limit is 262144/],
    traversal: [{ model: TRAVERSAL, input: {} }, /an endpoint id like/],
  },
  submit_job: {
    missing: [{ input: {} }, /model: Invalid key/],
    range: [
      { model: 'flux_dev', input: { prompt: 'x', num_images: 'lots' } },
      /num_images: expected a number/,
    ],
    unknown: [{ model: 'no_such_model_xyz', input: {} }, /Unknown model/],
    private: [
      { model: 'flux_dev', input: { prompt: 'x' }, webhook_url: 'http://10.0.0.1/hook' },
      /private or local address/,
    ],
    traversal: [{ model: TRAVERSAL, input: {} }, /an endpoint id like/],
  },
  check_job: {
    missing: [{}, /request_id: Invalid key/],
    type: [{ request_id: 42 }, /request_id: Invalid type/],
    unknown: [{ request_id: 'req-1', model: 'no_such_model_xyz' }, /Unknown model/],
    traversal: [{ request_id: '../../etc', model: 'flux_dev' }, /request_id must be the id fal returned/],
  },
  cancel_job: {
    missing: [{}, /request_id: Invalid key/],
    unknown: [{ request_id: 'req-1', model: 'no_such_model_xyz' }, /Unknown model/],
    traversal: [
      { request_id: 'https://evil.example/x', model: 'flux_dev' },
      /request_id must be the id fal returned|Invalid length/,
    ],
  },
  list_jobs: {
    type: [{ limit: '5' }, /limit: Invalid type/],
    range: [{ limit: 500 }, /limit: Invalid value/],
    future: [{ since: '2999-01-01' }, /since is in the future/],
    garbled: [{ since: 'last tuesday' }, /neither an ISO date or time .* nor a span back from now/],
    huge: [{ query: MB }, /query: Invalid length/],
    unknown: [{ model: 'no_such_model_xyz' }, /Unknown model/],
  },
  delete_payloads: {
    missing: [{ confirm: true }, /Give exactly one of request_id, request_ids \(up to 50\) or since/],
    range: [
      { request_ids: Array.from({ length: 51 }, (_, i) => `req-${i}`), confirm: true },
      /request_ids: Invalid length/,
    ],
    future: [{ since: '2999-01-01', confirm: true }, /since is in the future/],
    unconfirmed: [{ request_id: 'req-1', confirm: false }, /confirm: Invalid type/],
    traversal: [{ request_id: '../../etc', confirm: true }, /request_id must be the id fal returned/],
  },
  upload_file: {
    missing: [{}, /Give url .*, data_base64 .*, or file_name/],
    type: [{ url: 7 }, /url: Invalid type/],
    private: [{ url: PRIVATE }, /169\.254\.169\.254 is a private or reserved address/],
    huge: [{ url: `https://example.com/${MB}` }, /url: Invalid length/],
  },
  generate_image: {
    missing: [{}, /Give a prompt/],
    type: [{ prompt: 'x', num_images: 'two' }, /num_images: Invalid type/],
    range: [{ prompt: 'x', num_images: 9 }, /num_images: Invalid value/],
    unknown: [{ prompt: 'x', model: 'no_such_model_xyz' }, /Unknown model/],
    huge: [{ prompt: MB }, /prompt: Invalid length/],
    private: [{ prompt: 'x', image_url: 'http://127.0.0.1/cat.png' }, /private or local address/],
    traversal: [{ prompt: 'x', model: TRAVERSAL }, /an endpoint id like/],
  },
  edit_image: {
    missing: [{ image_url: 'https://example.com/a.png' }, /operation: Invalid key/],
    range: [
      { operation: 'upscale', image_url: 'https://example.com/a.png', scale: 3 },
      /scale: Invalid type/,
    ],
    unknown: [
      { operation: 'remove_background', image_url: 'https://example.com/a.png', model: 'no_such_model_xyz' },
      /Unknown model/,
    ],
    private: [
      { operation: 'remove_background', image_url: 'http://[::1]/a.png' },
      /private or local address/,
    ],
  },
  generate_video: {
    missing: [{}, /prompt: Invalid key/],
    range: [{ prompt: 'x', duration: 600 }, /duration: Invalid value/],
    unknown: [{ prompt: 'x', model: 'no_such_model_xyz' }, /Unknown model/],
    huge: [{ prompt: MB }, /prompt: Invalid length/],
    private: [{ prompt: 'x', image_url: 'http://192.168.1.10/a.png' }, /private or local address/],
  },
  generate_audio: {
    missing: [{}, /prompt: Invalid key/],
    range: [{ prompt: 'x', kind: 'podcast' }, /kind: Invalid type/],
    unknown: [{ prompt: 'x', model: 'no_such_model_xyz' }, /Unknown model/],
    huge: [{ prompt: MB }, /prompt: Invalid length/],
  },
  generate_speech: {
    missing: [{}, /text: Invalid key/],
    type: [{ text: ['hi'] }, /text: Invalid type/],
    unknown: [{ text: 'hi', model: 'no_such_model_xyz' }, /Unknown model/],
    huge: [{ text: MB }, /text: Invalid length/],
  },
  transcribe_audio: {
    missing: [{}, /audio_url: Invalid key/],
    type: [{ audio_url: 'https://example.com/a.mp3', diarize: 'yes' }, /diarize: Invalid type/],
    unknown: [{ audio_url: 'https://example.com/a.mp3', model: 'no_such_model_xyz' }, /Unknown model/],
    private: [{ audio_url: 'http://localhost:8080/a.mp3' }, /private or local address/],
  },
};

describe('bad input matrix: every tool × every class of bad input', () => {
  let h: Harness;
  let client: TestClient;
  beforeAll(async () => {
    h = await startHarness({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
    client = await connectModern({
      url: IN_PROCESS_URL,
      fetch: h.inProcessFetch,
      headers: { 'X-Fal-Key': 'bad-id:bad-secret' },
    });
    await h.services.registry.catalogue();
    // The flux schema is cached so validation needs nothing from fal.
    await client.callTool('get_model_schema', { model: 'flux_dev' });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  const rows = Object.entries(MATRIX).flatMap(([tool, cases]) =>
    Object.entries(cases).map(([kind, c]) => [tool, kind, ...(c as [Args, RegExp])] as const),
  );

  it('covers every tool', async () => {
    const names = (await client.listTools()).map((t) => t.name).sort();
    expect(Object.keys(MATRIX).sort()).toEqual(names);
  });

  it.each(rows)(
    '%s with %s input is refused clearly, before any upstream call',
    async (tool, _kind, args, message) => {
      const before = h.emulator.faults.calls.length;
      const r = await client.callTool(tool, args);
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(message);
      expect(textOf(r).length).toBeLessThan(2_000);
      expect(h.emulator.faults.calls.length).toBe(before);
    },
  );
});

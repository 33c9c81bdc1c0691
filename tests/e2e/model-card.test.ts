import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, type TestClient } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

describe.each(['modern', 'legacy'] as const)('the model card resource (%s client)', (era) => {
  let h: Harness;
  let client: TestClient;
  beforeAll(async () => {
    h = await startHarness();
    client = await CLIENTS[era]({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
  });
  afterAll(async () => {
    await client.close();
    await h.close();
  });

  it('is advertised as a template', async () => {
    const templates = await client.listResourceTemplates();
    expect(templates).toContainEqual(
      expect.objectContaining({ uriTemplate: 'fal://models/{+endpoint_id}', name: 'model-card' }),
    );
  });

  it('reads a card with metadata, aliases and the input summary, without a key', async () => {
    const { contents } = await client.readResource('fal://models/fal-ai/flux/dev');
    expect(contents[0]?.mimeType).toBe('application/json');
    const card = JSON.parse(contents[0]?.text ?? '{}');
    expect(card).toMatchObject({ id: 'fal-ai/flux/dev', category: 'text-to-image', aliases: ['flux_dev'] });
    expect(card.inputs.required).toEqual(['prompt']);
    expect(h.emulator.faults.callsTo('models').every((c) => c.key === null)).toBe(true);
  });

  it('completes endpoint ids by prefix', async () => {
    const values = await client.completeTemplate(
      'fal://models/{+endpoint_id}',
      'endpoint_id',
      'fal-ai/flux/',
    );
    expect(values).toContain('fal-ai/flux/dev');
    expect(values.every((v) => v.startsWith('fal-ai/flux/'))).toBe(true);
  });
});

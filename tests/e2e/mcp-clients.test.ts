import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENTS, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';

const KEY = 'test-key-id:test-key-secret';

describe.each([
  ['modern (2026-07-28)', 'modern'],
  ['legacy (2025-11-25)', 'legacy'],
] as const)('a real %s SDK client', (_label, era) => {
  let h: Harness;
  let socketUrl: string;

  beforeAll(async () => {
    h = await startHarness();
    socketUrl = await h.listen();
  });
  afterAll(() => h.close());

  describe.each(['in process', 'over a socket'] as const)('%s', (transport) => {
    let client: TestClient;
    beforeAll(async () => {
      client =
        transport === 'in process'
          ? await CLIENTS[era]({
              url: IN_PROCESS_URL,
              fetch: h.inProcessFetch,
              headers: { 'X-Fal-Key': KEY },
            })
          : await CLIENTS[era]({ url: socketUrl, headers: { 'X-Fal-Key': KEY } });
    });
    afterAll(() => client.close());

    it('lists the tools with schemas', async () => {
      const tools = await client.listTools();
      const listModels = tools.find((t) => t.name === 'list_models');
      expect(listModels?.description).toMatch(/catalogue/);
      expect(listModels?.inputSchema).toMatchObject({
        type: 'object',
        properties: { category: { type: 'string' } },
      });
      expect(listModels?.outputSchema).toMatchObject({ type: 'object' });
    });

    it('calls list_models against the emulated catalogue', async () => {
      const result = await client.callTool('list_models', { category: 'text-to-speech', limit: 5 });
      expect(result.isError).toBeFalsy();
      const structured = result.structuredContent as {
        models: { id: string; category: string }[];
        total: number;
        used_fallback: boolean;
      };
      expect(structured.used_fallback).toBe(false);
      expect(structured.total).toBe(23);
      expect(structured.models).toHaveLength(5);
      expect(structured.models.every((m) => m.category === 'text-to-speech')).toBe(true);
      expect(textOf(result)).toContain('23 model(s) match; showing 5.');
    });

    it('accepts the simplified categories and a text filter', async () => {
      const result = await client.callTool('list_models', { category: 'audio', search: 'whisper' });
      const ids = (result.structuredContent as { models: { id: string }[] }).models.map((m) => m.id);
      expect(ids).toContain('fal-ai/whisper');
      expect(ids.every((id) => id.includes('whisper'))).toBe(true);
    });

    it('reports bad arguments as a tool error naming the field', async () => {
      const result = await client.callTool('list_models', { limit: 0 });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/limit/);
    });
  });
});

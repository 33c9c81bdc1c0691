import { describe, expect, it } from 'vitest';
import { type BootingApp, bootFetch, type Fetch } from '../../src/http/boot.js';

function booting(): BootingApp & { load(app: Fetch): void } {
  let app: Fetch | undefined;
  let resolve: (app: Fetch) => void = () => undefined;
  const ready = new Promise<Fetch>((r) => {
    resolve = r;
  });
  return {
    get: () => app,
    ready,
    load(next) {
      app = next;
      resolve(next);
    },
  };
}

describe('the boot window (before the MCP stack has loaded)', () => {
  it('answers /health at once; other requests wait for the app and are answered by it', async () => {
    const app = booting();
    const fetch = bootFetch(app);
    const health = await fetch(new Request('http://x/health'), {});
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', version: expect.any(String) });
    let answered: Response | undefined;
    const early = Promise.resolve(fetch(new Request('http://x/mcp', { method: 'POST' }), {})).then((r) => {
      answered = r;
    });
    // A turn of the event loop: an answer that did not wait for the app would be here by now.
    await new Promise((r) => setImmediate(r));
    expect(answered).toBeUndefined();
    app.load(() => new Response('from the app', { status: 201 }));
    await early;
    expect(answered?.status).toBe(201);
    expect((await fetch(new Request('http://x/mcp'), {})).status).toBe(201);
  });

  it('a request that waits longer than the bound is asked to retry', async () => {
    const fetch = bootFetch(booting(), 30);
    const mcp = await fetch(new Request('http://x/mcp', { method: 'POST' }), {});
    expect(mcp.status).toBe(503);
    expect(mcp.headers.get('retry-after')).toBe('1');
    expect(await mcp.json()).toMatchObject({ error: { message: expect.stringMatching(/starting/) } });
  });
});

import { describe, expect, it } from 'vitest';
import { bootFetch } from '../../src/http/boot.js';

describe('the boot window (before the MCP stack has loaded)', () => {
  it('answers /health at once and asks everything else to retry, then hands over to the app', async () => {
    let app: ((r: Request) => Response) | undefined;
    const fetch = bootFetch(() => app);
    const health = await fetch(new Request('http://x/health'), {});
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', version: expect.any(String) });
    const mcp = await fetch(new Request('http://x/mcp', { method: 'POST' }), {});
    expect(mcp.status).toBe(503);
    expect(mcp.headers.get('retry-after')).toBe('1');
    expect(await mcp.json()).toMatchObject({ error: { message: expect.stringMatching(/starting/) } });
    expect((await fetch(new Request('http://x/ready'), {})).status).toBe(503);

    app = () => new Response('from the app', { status: 201 });
    expect((await fetch(new Request('http://x/mcp'), {})).status).toBe(201);
  });
});

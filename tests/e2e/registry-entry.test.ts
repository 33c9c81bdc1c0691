import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { SERVER_VERSION } from '../../src/version.js';
import { startHarness } from '../helpers/harness.js';

const schema = JSON.parse(readFileSync('tests/fixtures/mcp-registry-server.schema.json', 'utf8'));
const serverJson = JSON.parse(readFileSync('server.json', 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile(schema);
const errorsOf = (value: unknown) =>
  validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

describe('the registry entry (server.json) and the server card', () => {
  it("server.json is valid against the MCP registry's 2025-12-11 schema, and its version is the package's", () => {
    expect(errorsOf(serverJson)).toEqual([]);
    expect(serverJson.$schema).toBe(schema.$id);
    expect(serverJson.version).toBe(SERVER_VERSION);
    expect(serverJson.remotes[0]).toMatchObject({
      type: 'streamable-http',
      headers: [{ name: 'X-Fal-Key', isSecret: true }],
    });
    // The check can fail: a name without its namespace, a description past 100 characters.
    expect(errorsOf({ ...serverJson, name: 'fal' })).not.toEqual([]);
    expect(errorsOf({ ...serverJson, description: 'x'.repeat(101) })).not.toEqual([]);
  });

  it('GET /.well-known/mcp/server-card.json states the same facts for this deployment', async () => {
    const h = await startHarness({
      env: { PUBLIC_URL: 'https://mcp.example.com', ALLOWED_HOSTS: 'mcp.example.com' },
    });
    try {
      const res = await h.inProcessFetch('https://mcp.example.com/.well-known/mcp/server-card.json');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
      const card = (await res.json()) as Record<string, unknown> & { remotes: Record<string, unknown>[] };
      expect(errorsOf(card)).toEqual([]);
      expect(card).toMatchObject({
        name: serverJson.name,
        title: serverJson.title,
        description: serverJson.description,
        version: SERVER_VERSION,
        capabilities: { tools: {} },
      });
      expect(card.remotes[0]).toMatchObject({
        type: 'streamable-http',
        url: 'https://mcp.example.com/mcp',
        headers: serverJson.remotes[0].headers,
        authentication: { required: false },
      });
      expect(card.remotes[0]?.supportedProtocolVersions).toEqual(
        expect.arrayContaining(['2026-07-28', '2025-11-25']),
      );
      // The SEP's own path (no extension) answers the same, and browsers may read both (CORS).
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const bare = await h.inProcessFetch('https://mcp.example.com/.well-known/mcp/server-card', {
        headers: { origin: 'https://registry.example' },
      });
      expect(bare.headers.get('access-control-allow-origin')).toBe('*');
      expect(await bare.json()).toEqual(card);
      const preflight = await h.inProcessFetch('https://mcp.example.com/.well-known/mcp/server-card', {
        method: 'OPTIONS',
        headers: { origin: 'https://registry.example', 'access-control-request-method': 'GET' },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-methods')).toBe('GET');
    } finally {
      await h.close();
    }
  });

  it("on an operator's key the card asks for the access token", async () => {
    const token = 'access-token-card-0123456789abcdefghijkl';
    const h = await startHarness({ env: { FAL_KEY: 'operator-card-id:secret', MCP_AUTH_TOKENS: token } });
    try {
      const res = await h.inProcessFetch('http://127.0.0.1:8080/.well-known/mcp/server-card.json');
      // No PUBLIC_URL: the URL in it comes from the request's Host, so no shared cache may keep it.
      expect(res.headers.get('cache-control')).toBe('no-store');
      const card = (await res.json()) as {
        remotes: {
          headers: { name: string; isRequired: boolean }[];
          authentication: { required: boolean };
        }[];
      };
      expect(errorsOf(card)).toEqual([]);
      expect(card.remotes[0]?.headers.map((x) => [x.name, x.isRequired])).toEqual([
        ['Authorization', true],
        ['X-Fal-Key', false],
      ]);
      expect(card.remotes[0]?.authentication.required).toBe(true);
      expect(JSON.stringify(card)).not.toContain(token);
    } finally {
      await h.close();
    }
  });
});

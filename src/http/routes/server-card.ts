import { readFileSync } from 'node:fs';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import { type Handler, Hono } from 'hono';
import { cors } from 'hono/cors';
import { projectFile } from '../../paths.js';
import { SERVER_VERSION } from '../../version.js';
import type { AppEnv } from '../env.js';

interface RegistryEntry {
  name: string;
  title: string;
  description: string;
  remotes: { headers: { name: string; description: string; isRequired: boolean; isSecret: boolean }[] }[];
}

/** server.json at the repository root (and beside dist/ in the image): the registry entry, read once. */
function registryEntry(): RegistryEntry {
  return JSON.parse(readFileSync(projectFile('server.json'), 'utf8')) as RegistryEntry;
}

/** The SEP's path (no extension) and the `.json` one registries and earlier drafts use. */
const CARD_PATHS = ['/.well-known/mcp/server-card', '/.well-known/mcp/server-card.json'];

/**
 * GET /.well-known/mcp/server-card[.json] (SEP-2127): the registry entry's facts
 * for this deployment: its own /mcp URL, the protocol versions and credentials
 * it takes, its capabilities; no tools (they depend on the toolset asked for).
 */
export function serverCardRoute(options: {
  publicUrl: string | undefined;
  sharedKey: boolean;
  oauth: boolean;
}): Hono<AppEnv> {
  const entry = registryEntry();
  const falKey = entry.remotes[0]?.headers ?? [];
  const headers = options.sharedKey
    ? [
        {
          name: 'Authorization',
          description: 'Bearer <access token> issued by the operator of this server.',
          isRequired: true,
          isSecret: true,
        },
        ...falKey.map((h) => ({
          ...h,
          description: `${h.description} Optional here: runs use the operator's key.`,
        })),
      ]
    : falKey;
  const route = new Hono<AppEnv>();
  // Public by design, read by browser-based clients too (the SEP's CORS requirement).
  const open = cors({ origin: '*', allowMethods: ['GET'], allowHeaders: ['Content-Type'] });
  const card: Handler<AppEnv> = (c) => {
    const base = options.publicUrl ?? new URL(c.req.url).origin;
    return c.json(
      {
        $schema: 'https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json',
        name: entry.name,
        title: entry.title,
        description: entry.description,
        version: SERVER_VERSION,
        remotes: [
          {
            type: 'streamable-http',
            url: `${base}/mcp`,
            supportedProtocolVersions: ['2026-07-28', ...SUPPORTED_PROTOCOL_VERSIONS],
            headers,
            authentication: {
              required: options.sharedKey,
              schemes: options.oauth ? ['bearer', 'oauth2'] : ['bearer'],
            },
          },
        ],
        capabilities: { tools: {}, resources: {}, prompts: {}, logging: {} },
      },
      200,
      // Without PUBLIC_URL the URL comes from the request's Host: a shared cache must not keep one
      // request's answer for everyone.
      { 'cache-control': options.publicUrl ? 'public, max-age=3600' : 'no-store' },
    );
  };
  for (const path of CARD_PATHS) route.use(path, open).get(path, card);
  return route;
}

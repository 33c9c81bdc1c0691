import {
  McpServer,
  type McpServerFactory,
  type McpServerOptions,
  type Tool,
} from '@modelcontextprotocol/server';
import { makeWithFalPrompt } from '../prompts/make-with-fal.js';
import type { MediaViewResource } from '../resources/media-view.js';
import type { ResourceEntry } from '../resources/model-card.js';
import { SERVER_NAME, SERVER_VERSION } from '../version.js';
import { SDK_SCHEMA_TARGET } from './json-schema.js';
import { registerTaskAwareCall, registerTaskMethods, TASKS_EXTENSION } from './tasks/register.js';
import type { TaskService } from './tasks/task-service.js';
import { subsetCache, type ToolEntry } from './tool-table.js';
import { isToolSelection } from './toolsets.js';

const INSTRUCTIONS = [
  'Tools for fal.ai generative media models (image, video, audio, speech, 3D).',
  'Start with recommend_model or search_models to pick a model (endpoint ids such as fal-ai/flux/dev, or',
  'aliases such as flux_dev), get_model_schema for its inputs, then run_model; generate_image, edit_image,',
  'generate_video, generate_audio, generate_speech and transcribe_audio pick a model themselves.',
  'Every tool but the four that find models (search_models, recommend_model, list_models, get_model_schema)',
  "needs the caller's fal key (X-Fal-Key header, or OAuth sign-in where offered); descriptions name the",
  'tools that need more (an admin key, the key that submitted the job).',
  'Jobs: a slow run hands back a request_id for check_job (wait_seconds waits); list_jobs shows past jobs',
  '(query searches them by meaning); cancel_job and delete_payloads clean up.',
  'Costs: every run states its estimate before it runs; estimate_cost prices a plan, get_account shows the',
  "balance and this server's budget, max_cost_usd caps a run.",
  "Files: upload_file puts a file on fal's CDN and returns the URL to pass as a file input.",
  'The media tools share the run options generate_image describes (wait_seconds, max_cost_usd,',
  'idempotency_key, store_payload, expiration_seconds).',
].join(' ');

/**
 * How long 2026-era clients may keep each listing, and who may share it
 * (docs/caching.md says why each value). tools/list depends on the request's
 * headers (toolsets, read-only) and a model card may show a private app the
 * caller's key alone can see: both private. Discovery and the resource lists
 * are the same for everyone.
 */
export const CACHE_HINTS = {
  'server/discover': { ttlMs: 10 * 60_000, cacheScope: 'public' },
  'tools/list': { ttlMs: 5 * 60_000, cacheScope: 'private' },
  'resources/list': { ttlMs: 10 * 60_000, cacheScope: 'public' },
  'resources/templates/list': { ttlMs: 10 * 60_000, cacheScope: 'public' },
  'resources/read': { ttlMs: 5 * 60_000, cacheScope: 'private' },
  'prompts/list': { ttlMs: 10 * 60_000, cacheScope: 'public' },
} as const satisfies McpServerOptions['cacheHints'];

/**
 * The SDK asks for a fresh McpServer per request (sharing one across requests
 * leaked responses between clients, CVE-2026-25536). Everything expensive is in
 * the precomputed table, so this only registers.
 */
export function createServerFactory(
  table: readonly ToolEntry[],
  resources: readonly ResourceEntry[],
  tasks: TaskService,
  mediaViewResource: MediaViewResource,
): McpServerFactory {
  const subsets = subsetCache(table);
  const byName = new Map<readonly ToolEntry[], Map<string, readonly ToolEntry[]>>();
  const only = (tools: readonly ToolEntry[], name: string): readonly ToolEntry[] => {
    let index = byName.get(tools);
    if (!index) {
      index = new Map(tools.map((t) => [t.name, [t]]));
      byName.set(tools, index);
    }
    return index.get(name) ?? [];
  };
  const listings = new Map<readonly ToolEntry[], readonly Tool[]>();
  const listingOf = (tools: readonly ToolEntry[]): readonly Tool[] => {
    let listing = listings.get(tools);
    if (!listing) {
      listing = Object.freeze(tools.map(definitionOf));
      listings.set(tools, listing);
    }
    return listing;
  };
  return ({ era, authInfo }) => {
    // The HTTP layer read the toolset selection and the message once and passes them along.
    const extra = authInfo?.extra;
    const selection = extra?.selection;
    const visible = isToolSelection(selection) ? subsets(selection) : table;
    const rpc = isRpc(extra?.rpc) ? extra.rpc : undefined;
    const method = rpc?.method ?? '';
    // The Tasks extension exists in the 2026-07-28 era only (server/discover shows it there).
    const modern = era === 'modern';
    const capabilities = modern
      ? { tools: {}, logging: {}, extensions: { [TASKS_EXTENSION]: {} } }
      : { tools: {}, logging: {} };
    const server = new McpServer(
      { name: SERVER_NAME, title: 'fal.ai MCP server', version: SERVER_VERSION },
      { capabilities, instructions: INSTRUCTIONS, cacheHints: CACHE_HINTS },
    );
    // Register only what this message can reach, where that is certain: tools/list is
    // answered from a listing built once per toolset selection (the SDK would otherwise
    // convert and scan all 18 schemas per request), a tools/call needs its one tool, a
    // ping or a notification nothing. Anything else (initialize, discovery, resources,
    // a batch) gets everything, as before.
    if (method === 'tools/list') {
      const tools = listingOf(visible);
      server.server.setRequestHandler('tools/list', () => ({ tools: [...tools] }));
      return server;
    }
    if (method === 'ping' || method.startsWith('notifications/')) return server;
    if (method.startsWith('tasks/')) {
      if (modern) registerTaskMethods(server, tasks);
      return server;
    }
    const tools = method === 'tools/call' ? only(visible, rpc?.tool ?? '') : visible;
    for (const entry of tools) server.registerTool(entry.name, entry.config, entry.callback);
    // A client that declared the Tasks extension may get a task for a run still pending after its wait.
    const [called] = tools;
    if (method === 'tools/call' && modern && rpc?.tasks && called?.taskable) {
      registerTaskAwareCall(server, called, tasks);
    }
    if (method !== 'tools/call') {
      for (const r of resources) server.registerResource(r.name, r.template, r.metadata, r.read);
      server.registerResource(
        mediaViewResource.name,
        mediaViewResource.uri,
        mediaViewResource.metadata,
        mediaViewResource.read,
      );
      server.registerPrompt(makeWithFalPrompt.name, makeWithFalPrompt.config, makeWithFalPrompt.callback);
    }
    return server;
  };
}

/** A tool as tools/list shows it, in the SDK's own field order (schemas are converted once, frozen). */
function definitionOf(entry: ToolEntry): Tool {
  return Object.freeze({
    name: entry.name,
    title: entry.config.title,
    description: entry.config.description,
    inputSchema: entry.config.inputSchema['~standard'].jsonSchema.input(
      SDK_SCHEMA_TARGET,
    ) as Tool['inputSchema'],
    annotations: entry.config.annotations,
    outputSchema: entry.config.outputSchema['~standard'].jsonSchema.output(
      SDK_SCHEMA_TARGET,
    ) as Tool['outputSchema'],
    ...(entry.config._meta ? { _meta: entry.config._meta } : {}),
  });
}

function isRpc(value: unknown): value is { method: string; tool: string | undefined; tasks?: boolean } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { method?: unknown }).method === 'string'
  );
}

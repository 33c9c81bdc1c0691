import { McpServer, type McpServerFactory } from '@modelcontextprotocol/server';
import type { ResourceEntry } from '../resources/model-card.js';
import { SERVER_NAME, SERVER_VERSION } from '../version.js';
import type { ToolEntry } from './tool-table.js';
import { isToolSelection, subsetCache } from './toolsets.js';

const INSTRUCTIONS = [
  'Tools for fal.ai generative media models (image, video, audio, speech, 3D).',
  'Find a model with search_models, recommend_model or list_models; models are named by endpoint id',
  "(fal-ai/flux/dev) or alias (flux_dev). Calls that run or price models need the caller's fal key",
  'in the X-Fal-Key header.',
].join(' ');

/**
 * The SDK asks for a fresh McpServer per request (sharing one across requests
 * leaked responses between clients, CVE-2026-25536). Everything expensive is in
 * the precomputed table, so this only registers.
 */
export function createServerFactory(
  table: readonly ToolEntry[],
  resources: readonly ResourceEntry[],
): McpServerFactory {
  const subsets = subsetCache(table);
  return ({ authInfo }) => {
    // The HTTP layer read the toolset selection once and passes it along with the caller.
    const selection = authInfo?.extra?.selection;
    const tools = isToolSelection(selection) ? subsets(selection) : table;
    const server = new McpServer(
      { name: SERVER_NAME, title: 'fal.ai MCP server', version: SERVER_VERSION },
      { capabilities: { tools: {}, logging: {} }, instructions: INSTRUCTIONS },
    );
    for (const entry of tools) server.registerTool(entry.name, entry.config, entry.callback);
    for (const r of resources) server.registerResource(r.name, r.template, r.metadata, r.read);
    return server;
  };
}

import type { ServerContext } from '@modelcontextprotocol/server';
import { isObject } from '../lib/is-object.js';
import type { ToolInteraction } from '../tools/define-tool.js';

const PROTOCOL_VERSION = 'io.modelcontextprotocol/protocolVersion';
const CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';

/**
 * Whether this request may be answered with an input-required result that asks
 * the user (a 2026-07-28 request whose own capabilities declare form
 * elicitation), and what a retried request answered. 2025-era requests never
 * can: the stateless path has no way to ask.
 */
export function interactionOf(ctx: ServerContext): ToolInteraction {
  const envelope: Record<string, unknown> = isObject(ctx.mcpReq.envelope) ? ctx.mcpReq.envelope : {};
  const modern = typeof envelope[PROTOCOL_VERSION] === 'string' && envelope[PROTOCOL_VERSION] >= '2026-07-28';
  const capabilities = envelope[CLIENT_CAPABILITIES];
  const elicitation = isObject(capabilities) ? capabilities.elicitation : undefined;
  // An empty elicitation capability means form mode (the spec's default); a listed mode set must name it.
  const form = isObject(elicitation) && (Object.keys(elicitation).length === 0 || isObject(elicitation.form));
  const state = ctx.mcpReq.requestState?.();
  return {
    canElicit: modern && form,
    inputResponses: ctx.mcpReq.inputResponses,
    requestState: typeof state === 'string' ? state : undefined,
  };
}

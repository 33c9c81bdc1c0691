import type { AnyTool } from '../mcp/define-tool.js';
import { getPricingTool } from './get-pricing.js';
import { listModelsTool } from './list-models.js';

/** Every tool the server offers, in the order agents see them. */
export const ALL_TOOLS: readonly AnyTool[] = [listModelsTool, getPricingTool];

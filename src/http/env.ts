import type { Caller } from '../auth/caller.js';
import type { Logger } from '../log.js';
import type { McpOperation } from '../mcp/tool-table.js';
import type { ToolSelection } from '../mcp/toolsets.js';

/** Values middleware leaves on the Hono context for later handlers. */
export interface AppEnv {
  Variables: {
    requestId: string;
    /** This request's logger: scrubs the request's own credentials from every line. */
    log: Logger;
    caller: Caller;
    /** The JSON-RPC message, parsed once by the json-body middleware. */
    parsedBody: unknown;
    /** The tools this request may see. */
    selection: ToolSelection;
    /** The client's address (after TRUST_PROXY), for limits. */
    clientIp: string;
    /** Rate-limit tokens this request has been charged so far. */
    charged: number;
    /** Size of the body as read. */
    bodyBytes: number;
    /** The tenant a webhook's token was issued for (webhook route only). */
    webhookTenant: string;
    /** The MCP message this request carried, for the operation metric (single messages only). */
    operation: McpOperation;
  };
}

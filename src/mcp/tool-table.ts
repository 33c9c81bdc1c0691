import type {
  CallToolResult,
  ServerContext,
  StandardSchemaWithJSON,
  ToolAnnotations,
} from '@modelcontextprotocol/server';
import { ANONYMOUS, type Caller, isCaller } from '../auth/caller.js';
import { InputNeeded, type JobHandle } from '../lib/tool-output.js';
import { type Logger, scrub } from '../log.js';
import { MEDIA_VIEW_TOOL_META } from '../resources/media-view.js';
import type { Services } from '../services.js';
import { listedAnnotations } from '../tools/annotations.js';
import type { AnyTool, ToolContext, ToolGroup } from '../tools/define-tool.js';
import { adminKeyRefusal, describeError, keyRefusal } from './errors.js';
import { acceptingGuesses } from './guesses.js';
import { interactionOf } from './interaction.js';
import { precomputedSchema, SDK_SCHEMA_TARGET } from './json-schema.js';
import { errorResult, toCallToolResult } from './results.js';
import type { ToolSelection } from './toolsets.js';

/** One registered tool, ready to hand to McpServer.registerTool without further work. */
export interface ToolEntry {
  name: string;
  group: ToolGroup;
  config: {
    title: string;
    description: string;
    inputSchema: StandardSchemaWithJSON;
    outputSchema: StandardSchemaWithJSON;
    annotations: ToolAnnotations;
    _meta?: Record<string, unknown>;
  };
  /** The output schema as tools/list shows it (converted once). */
  outputJsonSchema: Record<string, unknown>;
  /** A run that may outlast its wait: may become an MCP task for clients that ask for them. */
  taskable: boolean;
  callback: (args: unknown, ctx: ServerContext) => Promise<CallToolResult>;
  /** The call, and the job it handed back still pending (which a Tasks client gets as a task). */
  invoke: (args: unknown, ctx: ServerContext) => Promise<{ result: CallToolResult; handoff?: JobHandle }>;
}

/** Per-request facts the HTTP layer passes through the SDK's authInfo.extra. */
export interface RequestExtra {
  caller: Caller;
  requestId: string;
  /** Which tools this request may see (X-MCP-Toolsets / X-MCP-Readonly). */
  selection: ToolSelection;
  /**
   * The single JSON-RPC message this request carries (undefined for a batch),
   * so the per-request server registers only what that message can reach.
   */
  rpc?: { method: string; tool: string | undefined; tasks: boolean } | undefined;
  /** The request's logger, which scrubs its own credentials from every line. */
  log?: Logger | undefined;
  /** What the operation metric records of this message; the tool call marks its error here. */
  operation?: McpOperation | undefined;
}

/** One MCP message as OpenTelemetry's `mcp.server.operation.duration` describes it. */
export interface McpOperation {
  method: string;
  tool: string | undefined;
  protocolVersion: string | undefined;
  /** The tool answered with isError. */
  toolError: boolean;
}

export function requestExtraOf(ctx: ServerContext): Omit<RequestExtra, 'selection'> {
  const extra = ctx.http?.authInfo?.extra;
  const caller = isCaller(extra?.caller) ? extra.caller : ANONYMOUS;
  const requestId = typeof extra?.requestId === 'string' ? extra.requestId : 'unknown';
  const log = isLogger(extra?.log) ? extra.log : undefined;
  const operation = isOperation(extra?.operation) ? extra.operation : undefined;
  return { caller, requestId, log, operation };
}

function isOperation(value: unknown): value is McpOperation {
  return typeof value === 'object' && value !== null && 'toolError' in value;
}

function isLogger(value: unknown): value is Logger {
  return typeof (value as Logger | undefined)?.withSecrets === 'function';
}

/** Computed once at start: schemas converted, callbacks bound to the services. */
export function buildToolTable(tools: readonly AnyTool[], services: Services): readonly ToolEntry[] {
  return tools.map((tool) => {
    const outputSchema = precomputedSchema(tool.output);
    return {
      name: tool.name,
      group: tool.group,
      config: {
        title: tool.title,
        description: tool.description,
        inputSchema: precomputedSchema(tool.input, acceptingGuesses(tool.input, tool.synonyms)),
        outputSchema,
        annotations: listedAnnotations(tool.annotations),
        ...(tool.showsMedia ? { _meta: MEDIA_VIEW_TOOL_META } : {}),
      },
      outputJsonSchema: outputSchema['~standard'].jsonSchema.output(SDK_SCHEMA_TARGET),
      taskable: tool.longRunning === true,
      callback: async (args, ctx) => (await runTool(tool, args, ctx, services)).result,
      invoke: (args, ctx) => runTool(tool, args, ctx, services),
    };
  });
}

/** Error texts may quote the caller's arguments; a key pasted into one must not come back. */
function withoutKey(text: string, caller: Caller): string {
  const key = caller.key?.reveal();
  const plain = key && key.length >= 8 ? text.split(key).join('[redacted]') : text;
  return scrub(plain);
}

async function runTool(
  tool: AnyTool,
  args: unknown,
  ctx: ServerContext,
  services: Services,
): Promise<{ result: CallToolResult; handoff?: JobHandle }> {
  const { caller, requestId, log, operation } = requestExtraOf(ctx);
  const logger = (log ?? services.logger).withSecrets([caller.key]).child({
    requestId,
    tenant: caller.tenant,
    tool: tool.name,
  });
  const progressToken = ctx.mcpReq._meta?.progressToken;
  const toolCtx: ToolContext = {
    services,
    requestId,
    signal: ctx.mcpReq.signal,
    logger,
    progress: async (progress, total, message) => {
      if (progressToken === undefined) return;
      await ctx.mcpReq.notify({
        method: 'notifications/progress',
        params: {
          progressToken,
          progress,
          ...(total !== undefined ? { total } : {}),
          ...(message ? { message } : {}),
        },
      });
    },
    interaction: interactionOf(ctx),
    call: { tool: tool.name, args },
  };
  const started = performance.now();
  try {
    const missing = keyRefusal(tool, caller);
    if (missing) throw missing;
    const output = await tool.handler(args, caller, toolCtx).catch((error) => {
      throw adminKeyRefusal(tool, error);
    });
    logger.info('tool call', { ok: true, ms: Math.round(performance.now() - started) });
    services.metrics.tool(tool.name, 'ok', (performance.now() - started) / 1000);
    return { result: toCallToolResult(output), ...(output.handoff ? { handoff: output.handoff } : {}) };
  } catch (error) {
    if (error instanceof InputNeeded) {
      logger.info('tool call needs input', { ms: Math.round(performance.now() - started) });
      return { result: error.result };
    }
    const report = describeError(error, requestId);
    services.tracing?.markToolError(caller);
    if (operation) operation.toolError = true;
    services.metrics.tool(tool.name, 'error', (performance.now() - started) / 1000);
    const fields = { ok: false, ms: Math.round(performance.now() - started), error };
    if (report.internal) logger.error('tool call failed', fields);
    else logger.info('tool call refused', fields);
    return { result: errorResult(withoutKey(report.text, caller)) };
  }
}

/** Subsets of the table are computed once per distinct selection and reused. */
export function subsetCache(table: readonly ToolEntry[]) {
  const cache = new Map<string, readonly ToolEntry[]>();
  return (selection: ToolSelection): readonly ToolEntry[] => {
    const key = `${[...selection.groups].sort().join(',')}|${selection.readOnly}`;
    let subset = cache.get(key);
    if (!subset) {
      subset = table.filter(
        (t) =>
          selection.groups.has(t.group) &&
          (!selection.readOnly || t.config.annotations.readOnlyHint === true),
      );
      cache.set(key, subset);
    }
    return subset;
  };
}

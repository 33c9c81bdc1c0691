import {
  type CallToolResult,
  type McpServer,
  MissingRequiredClientCapabilityError,
  ProtocolError,
  ProtocolErrorCode,
  type ServerContext,
  type StandardSchemaV1,
} from '@modelcontextprotocol/server';
import * as v from 'valibot';
import { isObject } from '../../lib/is-object.js';
import { requestExtraOf, type ToolEntry } from '../tool-table.js';
import type { TaskService } from './task-service.js';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
const CLIENT_CAPABILITIES = 'io.modelcontextprotocol/clientCapabilities';

/** Whether a request's `_meta` (or the SDK's envelope of it) declares the Tasks extension. */
export function declaresTasks(meta: unknown): boolean {
  if (!isObject(meta)) return false;
  const capabilities = meta[CLIENT_CAPABILITIES];
  const extensions = isObject(capabilities) ? capabilities.extensions : undefined;
  return isObject(extensions) && isObject(extensions[TASKS_EXTENSION]);
}

const TaskParams = v.object({ taskId: v.pipe(v.string(), v.minLength(1)) });
const UpdateParams = v.object({
  taskId: v.pipe(v.string(), v.minLength(1)),
  inputResponses: v.optional(v.unknown()),
});

/** A standard schema that lets anything through: the capability is checked before the params. */
const anyParams: StandardSchemaV1 = {
  '~standard': { version: 1, vendor: 'fal-mcp', validate: (value) => ({ value }) },
};

function parsed<T extends v.GenericSchema>(schema: T, params: unknown): v.InferOutput<T> {
  const result = v.safeParse(schema, params);
  if (!result.success) {
    throw new ProtocolError(
      ProtocolErrorCode.InvalidParams,
      'Invalid params: taskId must be a non-empty string',
    );
  }
  return result.output;
}

/** The client must have declared the extension on this very request (-32021 otherwise). */
function requireTasks(ctx: ServerContext): void {
  if (!declaresTasks(ctx.mcpReq.envelope)) {
    throw new MissingRequiredClientCapabilityError({
      requiredCapabilities: { extensions: { [TASKS_EXTENSION]: {} } },
    });
  }
}

/** tasks/get, tasks/update and tasks/cancel (2026 era). tasks/result and tasks/list stay unregistered: -32601. */
export function registerTaskMethods(server: McpServer, tasks: TaskService): void {
  server.server.setRequestHandler('tasks/get', { params: anyParams }, async (params, ctx) => {
    requireTasks(ctx);
    const { taskId } = parsed(TaskParams, params);
    const { caller, log } = requestExtraOf(ctx);
    return tasks.get(caller, taskId, ctx.mcpReq.signal, log);
  });
  server.server.setRequestHandler('tasks/cancel', { params: anyParams }, async (params, ctx) => {
    requireTasks(ctx);
    const { taskId } = parsed(TaskParams, params);
    const { caller, log } = requestExtraOf(ctx);
    await tasks.cancel(caller, taskId, ctx.mcpReq.signal, log);
    return {};
  });
  server.server.setRequestHandler('tasks/update', { params: anyParams }, async (params, ctx) => {
    requireTasks(ctx);
    const { taskId } = parsed(UpdateParams, params);
    tasks.update(requestExtraOf(ctx).caller, taskId);
    return {};
  });
}

/**
 * tools/call for a client that declared the extension, on a tool whose run may
 * outlast its wait: the call is run as always, and a job handed back pending
 * becomes a task. Arguments are checked against the same schema the SDK uses.
 */
export function registerTaskAwareCall(server: McpServer, entry: ToolEntry, tasks: TaskService): void {
  server.server.setRequestHandler('tools/call', async (request, ctx) => {
    const { name } = request.params;
    if (name !== entry.name)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Tool ${name} not found`);
    const checked = await entry.config.inputSchema['~standard'].validate(request.params.arguments ?? {});
    if (checked.issues) {
      const why = checked.issues.map((i) => i.message).join('; ');
      return toolError(`Input validation error: Invalid arguments for tool ${name}: ${why}`);
    }
    const { result, handoff } = await entry.invoke(checked.value, ctx);
    if (handoff)
      return tasks.created(requestExtraOf(ctx).caller, handoff, entry.name) as unknown as CallToolResult;
    return server.server.projectCallToolResult(result, entry.outputJsonSchema);
  });
}

const toolError = (text: string): CallToolResult => ({ content: [{ type: 'text', text }], isError: true });

import type { KeyedCaller } from '../auth/caller.js';
import { assertFalCanFetch } from '../jobs/fal-urls.js';
import type { ToolContext } from '../mcp/define-tool.js';
import type { ToolOutput } from '../mcp/results.js';
import { chooseModel, type TaskMode } from '../media/choose-model.js';
import { mapParams } from '../media/map-params.js';
import type { JobOutput } from './job-output.js';
import { runAndWait } from './run-and-wait.js';

export interface TaskRun {
  mode: TaskMode;
  /** The caller's model choice, if any. */
  model: string | undefined;
  /** Friendly parameters the caller gave (undefined ones are skipped). */
  given: Record<string, unknown>;
  /** The tool's own defaults, applied only where the model has the input. */
  defaults?: Record<string, unknown>;
  waitSeconds?: number | undefined;
  maxCostUsd?: number | undefined;
  idempotencyKey?: string | undefined;
  preview?: boolean | undefined;
}

/** The run options every task tool takes, as its arguments name them. */
export function runOptions(args: {
  wait_seconds?: number | undefined;
  max_cost_usd?: number | undefined;
  idempotency_key?: string | undefined;
  preview?: boolean | undefined;
}) {
  return {
    waitSeconds: args.wait_seconds,
    maxCostUsd: args.max_cost_usd,
    idempotencyKey: args.idempotency_key,
    preview: args.preview,
  };
}

/** Pick the model, map friendly parameters onto its schema, then run it like run_model. */
export async function runTask(
  task: TaskRun,
  caller: KeyedCaller,
  ctx: ToolContext,
): Promise<ToolOutput<JobOutput>> {
  // The tool's own URL arguments, checked before a model is even looked up (the same rule run_model applies).
  assertFalCanFetch(task.given, ctx.services.fetchPolicy.allowHosts);
  const choice = await chooseModel(ctx.services, task.mode, task.model);
  const { schema } = await ctx.services.schemas.get(choice.model, caller, ctx.signal);
  const given = Object.fromEntries(Object.entries(task.given).filter(([, v]) => v !== undefined));
  const mapped = mapParams(choice.model, schema.input, given, task.defaults);
  return runAndWait(
    {
      model: choice.model,
      input: mapped.input,
      waitSeconds: task.waitSeconds,
      maxCostUsd: task.maxCostUsd,
      idempotencyKey: task.idempotencyKey,
      preview: task.preview,
      notes: [...choice.notes, ...mapped.notes],
    },
    caller,
    ctx,
  );
}

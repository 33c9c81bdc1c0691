import type * as v from 'valibot';
import type { MediaRequest } from '../runs/plan-media.js';
import { MediaJobOutput, type Presenter } from '../runs/present.js';
import { RUNS_MODEL } from './annotations.js';
import { type DeclaredTool, defineTool } from './define-tool.js';

/** The arguments every media tool takes (MediaRunFields), read by the runner. */
export interface RunArgs {
  model?: string | undefined;
  wait_seconds?: number | undefined;
  max_cost_usd?: number | undefined;
  idempotency_key?: string | undefined;
  accept_nearest?: boolean | undefined;
  preview?: boolean | undefined;
  store_payload?: boolean | undefined;
  expiration_seconds?: number | undefined;
}

export interface RunToolDefinition<I extends v.GenericSchema<unknown, RunArgs>, O extends v.GenericSchema> {
  name: string;
  title: string;
  /** Written for an LLM: purpose, when to use it (vs. its neighbours), what comes back. */
  description: string;
  input: I;
  /** The job output, or more (default MediaJobOutput). */
  output?: O;
  synonyms?: Readonly<Record<string, string>>;
  /** The caller's arguments → what to run: the mode and the caller's values (refuse bad combinations here). */
  build(args: v.InferOutput<I>): Omit<MediaRequest, 'model' | 'acceptNearest'>;
  /** How a finished job of this tool is shown beyond the common view, wherever it is read. */
  present?: Presenter;
}

/**
 * A media tool as a declaration: what it takes and how its arguments become a
 * media request. The runner (services.runs) plans the model and input, submits,
 * waits, hands off and presents; a new media tool is this file plus one line in
 * tools/index.ts.
 */
export function defineRunTool<
  const Name extends string,
  I extends v.GenericSchema<unknown, RunArgs>,
  O extends v.GenericSchema = typeof MediaJobOutput,
>(def: RunToolDefinition<I, O> & { name: Name }): DeclaredTool<Name, O> {
  return defineTool({
    name: def.name,
    title: def.title,
    group: 'media',
    description: def.description,
    input: def.input,
    output: def.output ?? MediaJobOutput,
    annotations: RUNS_MODEL,
    needsKey: 'any',
    showsMedia: true,
    longRunning: true,
    ...(def.synonyms ? { synonyms: def.synonyms } : {}),
    ...(def.present ? { present: def.present } : {}),
    async handler(args, caller, ctx) {
      const runArgs = args as RunArgs;
      const { runs } = ctx.services;
      const plan = await runs.planMedia(
        { ...def.build(args), model: runArgs.model, acceptNearest: runArgs.accept_nearest },
        caller,
        ctx.signal,
      );
      return runs.run(plan, runOptions(runArgs), caller, ctx);
    },
    // Without an output of its own, O is its default, MediaJobOutput: the one this falls back to.
  }) as unknown as DeclaredTool<Name, O>;
}

/** The run options the job tools take, as their arguments name them. */
export function runOptions(args: RunArgs & { confirm_above_usd?: number | undefined }) {
  return {
    waitSeconds: args.wait_seconds,
    maxCostUsd: args.max_cost_usd,
    confirmAboveUsd: args.confirm_above_usd,
    idempotencyKey: args.idempotency_key,
    preview: args.preview,
    privacy: { storePayload: args.store_payload, expirationSeconds: args.expiration_seconds },
  };
}

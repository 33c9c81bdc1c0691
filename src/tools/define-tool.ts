import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type * as v from 'valibot';
import type { Caller, KeyedCaller } from '../auth/caller.js';
import type { ToolOutput } from '../lib/tool-output.js';
import type { Logger } from '../log.js';
import type { Interaction } from '../runs/confirm.js';
import type { Presenter } from '../runs/present.js';
import type { Services } from '../services.js';

/**
 * The services a tool may use: the ones that do the work, never the fal client,
 * the store or the process's plumbing (a tool reaches fal only through them).
 */
export type ToolServices = Pick<
  Services,
  | 'registry'
  | 'discovery'
  | 'schemas'
  | 'pricing'
  | 'usage'
  | 'planEstimates'
  | 'jobs'
  | 'runs'
  | 'payloads'
  | 'history'
  | 'uploads'
  | 'budget'
  | 'limits'
>;

/** What a handler gets besides its arguments and caller. */
export interface ToolContext {
  services: ToolServices;
  requestId: string;
  /** Aborted when the client cancels or disconnects. */
  signal: AbortSignal;
  logger: Logger;
  /** Sends notifications/progress when the client asked for it; a no-op otherwise. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** What this request can do with the user (2026 era): ask through a form, and what it answered. */
  interaction: ToolInteraction;
  /** This call: the tool and its arguments as received (a confirmation is bound to them). */
  call: { tool: string; args: unknown };
}

export type ToolInteraction = Interaction;

export type ToolGroup = 'discovery' | 'execution' | 'media';

/**
 * Whether a tool runs on the caller's fal key: `'any'` key, an `'admin'` key
 * (fal's usage and billing APIs), or none (`false`: the catalogue, with the
 * operator's key when one is configured). The tool runner refuses a keyless
 * call before the handler runs, so handlers of keyed tools get a `KeyedCaller`.
 */
export type NeedsKey = 'any' | 'admin' | false;
type CallerFor<N extends NeedsKey> = N extends false ? Caller : KeyedCaller;

export interface ToolDefinition<
  I extends v.GenericSchema = v.GenericSchema,
  O extends v.GenericSchema = v.GenericSchema,
  N extends NeedsKey = NeedsKey,
> {
  name: string;
  title: string;
  group: ToolGroup;
  /** Written for an LLM: purpose, when to use it (vs. its neighbours), what comes back. */
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  needsKey: N;
  /** Runs a model and waits: a job still pending after the wait may be handed back as an MCP task. */
  longRunning?: true;
  /** Its results can carry media: linked to the MCP App that shows them (resources/media-view.ts). */
  showsMedia?: true;
  /** Names agents guess for an argument, read as it (`query` → `search`); listed in docs, not in tools/list. */
  synonyms?: Readonly<Record<string, string>>;
  /** How this tool shows a finished job beyond the common view, wherever it is read (check_job, tasks/get). */
  present?: Presenter;
  handler(
    args: v.InferOutput<I>,
    caller: CallerFor<N>,
    ctx: ToolContext,
  ): Promise<ToolOutput<v.InferInput<O>>>;
}

/** A tool with its argument types erased, as the tool table holds them. */
export interface AnyTool extends Omit<ToolDefinition, 'handler'> {
  handler(args: unknown, caller: Caller, ctx: ToolContext): Promise<ToolOutput<unknown>>;
}

/** A declared tool: erased for the table, its name and output schema kept for whoever reads its results. */
export type DeclaredTool<
  Name extends string = string,
  O extends v.GenericSchema = v.GenericSchema,
> = AnyTool & {
  readonly name: Name;
  readonly output: O;
};

/**
 * Declare a tool with full type inference inside its file. The SDK validates
 * arguments against `input`, and the tool runner checks `needsKey`, before the
 * handler runs, which is what makes the erasure to `AnyTool` sound.
 */
export function defineTool<
  const Name extends string,
  I extends v.GenericSchema,
  O extends v.GenericSchema,
  N extends NeedsKey,
>(definition: ToolDefinition<I, O, N> & { name: Name }): DeclaredTool<Name, O> {
  return definition as unknown as DeclaredTool<Name, O>;
}

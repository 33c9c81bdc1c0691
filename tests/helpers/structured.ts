import * as v from 'valibot';
import { ALL_TOOLS } from '../../src/tools/index.js';

type Tool = (typeof ALL_TOOLS)[number];
export type ToolName = Tool['name'];
/** A tool's structured result, as its own output schema types it. */
export type OutputOf<N extends ToolName> = v.InferOutput<Extract<Tool, { name: N }>['output']>;

/**
 * A tool result's structured content, checked against the output schema the tool
 * declares (a field it returns but does not declare fails here) and typed by it.
 * An error result has none: undefined.
 */
export function structuredOf<N extends ToolName>(
  name: N,
  result: { structuredContent?: unknown; isError?: unknown },
): OutputOf<N> {
  if (result.isError) return undefined as unknown as OutputOf<N>;
  const tool = ALL_TOOLS.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool named ${name}`);
  const parsed = v.safeParse(tool.output, result.structuredContent);
  if (!parsed.success) {
    throw new Error(
      `${name}: structuredContent does not match its output schema: ${v.summarize(parsed.issues)}`,
    );
  }
  return parsed.output as OutputOf<N>;
}

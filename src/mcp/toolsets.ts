import type { ToolGroup } from '../tools/define-tool.js';

export const TOOLSETS = ['discovery', 'execution', 'media', 'all'] as const;

export interface ToolSelection {
  groups: ReadonlySet<ToolGroup>;
  /** Hide every tool that can spend money or change state. */
  readOnly: boolean;
}

const ALL: ReadonlySet<ToolGroup> = new Set(['discovery', 'execution', 'media']);

const truthy = (v: string | null | undefined) =>
  v ? ['1', 'true', 'yes'].includes(v.trim().toLowerCase()) : false;

/**
 * Which tools a request wants: `X-MCP-Toolsets` / `?toolsets=` (comma-separated
 * discovery, execution, media, all) and `X-MCP-Readonly` / `?readonly=`.
 * Decided at the edge, per request, as the client sends them on every request.
 */
export function selectionFrom(request: Request): ToolSelection | { error: string } {
  const url = new URL(request.url);
  const raw = request.headers.get('x-mcp-toolsets') ?? url.searchParams.get('toolsets');
  const readOnly = truthy(request.headers.get('x-mcp-readonly') ?? url.searchParams.get('readonly'));
  if (!raw?.trim()) return { groups: ALL, readOnly };
  const names = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  const unknown = names.filter((n) => !(TOOLSETS as readonly string[]).includes(n));
  if (unknown.length > 0) {
    return {
      error: `Unknown toolset "${unknown.join('", "')}": use ${TOOLSETS.join(', ')} (comma-separated).`,
    };
  }
  if (names.includes('all')) return { groups: ALL, readOnly };
  return { groups: new Set(names as ToolGroup[]), readOnly };
}

export function isToolSelection(value: unknown): value is ToolSelection {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as ToolSelection).groups instanceof Set &&
    typeof (value as ToolSelection).readOnly === 'boolean'
  );
}

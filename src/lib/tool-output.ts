import type { CallToolResult } from '@modelcontextprotocol/server';

export interface MediaLink {
  url: string;
  name: string;
  mimeType?: string | undefined;
  description?: string | undefined;
}

/** A job still running when a call hands it back: what an MCP task is made of. */
export interface JobHandle {
  model: string;
  request_id: string;
  status: 'IN_QUEUE' | 'IN_PROGRESS';
  queue_position?: number;
  /** What the run was estimated to cost when it was submitted (USD). */
  estimated_cost_usd?: number;
}

/** What a tool handler returns: data first, a compact text mirror, media as links. */
export interface ToolOutput<T> {
  structured: T;
  text: string;
  links?: readonly MediaLink[];
  /** Inline images (previews) for a vision model to look at, after the text. */
  images?: readonly { data: string; mimeType: string }[];
  /** Set when the output is a job still pending: a client that asked for tasks gets a task instead. */
  handoff?: JobHandle;
}

/**
 * Thrown by a handler that needs the user's input first (MRTR, 2026-07-28): the
 * tool runner answers with the input-required result instead of a tool result.
 */
export class InputNeeded extends Error {
  override name = 'InputNeeded';
  constructor(readonly result: CallToolResult) {
    super('input required');
  }
}

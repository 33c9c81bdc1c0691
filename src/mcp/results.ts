import type { CallToolResult } from '@modelcontextprotocol/server';

export interface MediaLink {
  url: string;
  name: string;
  mimeType?: string | undefined;
  description?: string | undefined;
}

/** What a tool handler returns: data first, a compact text mirror, media as links. */
export interface ToolOutput<T> {
  structured: T;
  text: string;
  links?: readonly MediaLink[];
  /** Inline images (previews) for a vision model to look at, after the text. */
  images?: readonly { data: string; mimeType: string }[];
}

export function toCallToolResult<T>(output: ToolOutput<T>): CallToolResult {
  const content: CallToolResult['content'] = [{ type: 'text', text: output.text }];
  for (const image of output.images ?? []) {
    content.push({ type: 'image', data: image.data, mimeType: image.mimeType });
  }
  for (const link of output.links ?? []) {
    content.push({
      type: 'resource_link',
      uri: link.url,
      name: link.name,
      ...(link.mimeType ? { mimeType: link.mimeType } : {}),
      ...(link.description ? { description: link.description } : {}),
    });
  }
  return { content, structuredContent: output.structured as Record<string, unknown> };
}

export function errorResult(text: string): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true };
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

import type { CallToolResult } from '@modelcontextprotocol/server';
import type { ToolOutput } from '../lib/tool-output.js';

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

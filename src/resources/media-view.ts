import { readFileSync } from 'node:fs';
import type { ReadResourceResult } from '@modelcontextprotocol/server';
import { projectFile } from '../paths.js';

/** The MCP App that shows what a job made (io.modelcontextprotocol/ui). */
export const MEDIA_VIEW_URI = 'ui://fal/media-view.html';
export const MCP_APP_MIME = 'text/html;profile=mcp-app';

/**
 * Tools whose results can carry media link the view (hosts that render MCP Apps show it). Both
 * spellings, as ext-apps' registerAppTool writes them: hosts of the first App drafts read the flat key.
 */
export const MEDIA_VIEW_TOOL_META = {
  ui: { resourceUri: MEDIA_VIEW_URI },
  'ui/resourceUri': MEDIA_VIEW_URI,
} as const;

let html: string | undefined;

/**
 * The view, built by `npm run build` into dist/ui/media-view.html (one file,
 * no external scripts). Read once; the same path from src/ (tsx) and dist/.
 */
function viewHtml(): string {
  html ??= readFileSync(projectFile('dist/ui/media-view.html'), 'utf8');
  return html;
}

/**
 * The view, allowed to load media from `mediaOrigins` and nothing else (FAL_MEDIA_ORIGINS; by default
 * fal's CDN, plus the storage's own origin when it is not fal's, as in the demo).
 */
export function mediaViewResource(mediaOrigins: readonly string[]) {
  const csp = { resourceDomains: [...mediaOrigins] };
  return {
    name: 'fal-media-view',
    uri: MEDIA_VIEW_URI,
    metadata: {
      title: 'fal media',
      description: 'Shows the images, video, audio and files a fal job made, with actions on them.',
      mimeType: MCP_APP_MIME,
    },
    read: async (): Promise<ReadResourceResult> => ({
      contents: [
        {
          uri: MEDIA_VIEW_URI,
          mimeType: MCP_APP_MIME,
          text: viewHtml(),
          _meta: { ui: { csp, prefersBorder: false } },
        },
      ],
    }),
  };
}

export type MediaViewResource = ReturnType<typeof mediaViewResource>;

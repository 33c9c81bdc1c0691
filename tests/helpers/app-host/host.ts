/**
 * A small MCP Apps host for tests, built on ext-apps' own AppBridge: it loads a
 * view in an iframe, hands it a tool result, and forwards the view's tools/call
 * to the test (window.callServerTool, exposed by playwright), which calls the
 * real server.
 */
import { AppBridge, PostMessageTransport } from '@modelcontextprotocol/ext-apps/app-bridge';

declare global {
  interface Window {
    callServerTool(name: string, args: unknown): Promise<unknown>;
    hostEvents: string[];
    startHost(
      viewHtml: string,
      tool: { name: string; input: unknown; result: unknown },
      theme: string,
    ): Promise<void>;
  }
}

window.hostEvents = [];
window.startHost = async (viewHtml, tool, theme) => {
  const iframe = document.createElement('iframe');
  iframe.style.width = '760px';
  iframe.style.height = '560px';
  iframe.style.border = '0';
  iframe.srcdoc = viewHtml;
  document.body.appendChild(iframe);
  await new Promise((resolve) => iframe.addEventListener('load', resolve, { once: true }));
  const bridge = new AppBridge(
    null,
    { name: 'test-host', version: '1' },
    { serverTools: {} },
    {
      hostContext: {
        theme: theme === 'dark' ? 'dark' : 'light',
        toolInfo: { tool: { name: tool.name, inputSchema: { type: 'object' } } },
      },
    },
  );
  bridge.oncalltool = async (params) => {
    window.hostEvents.push(`tools/call ${params.name}`);
    return (await window.callServerTool(params.name, params.arguments ?? {})) as never;
  };
  bridge.onsizechange = ({ height }) => {
    if (height) iframe.style.height = `${Math.min(height, 2000)}px`;
  };
  bridge.oninitialized = () => {
    window.hostEvents.push('initialized');
    bridge.sendToolInput({ arguments: tool.input as Record<string, unknown> });
    bridge.sendToolResult(tool.result as never);
  };
  await bridge.connect(
    new PostMessageTransport(iframe.contentWindow as Window, iframe.contentWindow as Window),
  );
};

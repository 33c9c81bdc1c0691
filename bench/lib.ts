import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export type Era = 'modern' | 'legacy';

/** One JSON-RPC request as each protocol era puts it on the wire. */
export function mcpRequest(era: Era, method: string, params: Record<string, unknown> = {}, name?: string) {
  if (era === 'legacy') {
    return {
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    };
  }
  return {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      ...(name ? { 'mcp-name': name } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method,
      params: {
        ...params,
        _meta: {
          'io.modelcontextprotocol/protocolVersion': '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    }),
  };
}

export function toolCall(era: Era, name: string, args: Record<string, unknown>) {
  return mcpRequest(era, 'tools/call', { name, arguments: args }, name);
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export async function load(
  url: string,
  req: { headers: Record<string, string>; body: string },
  opts: { seconds?: number; amount?: number; connections?: number } = {},
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: req.headers,
    body: req.body,
    connections: opts.connections ?? 32,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.seconds ?? 5 }),
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

/** The p-th percentile (0–1) of a sample, by rank. */
export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;
}

export const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

export function spread(xs: number[], digits = 1): string {
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
}

export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] ? Math.round(Number(m[1]) / 102.4) / 10 : Number.NaN;
}

/** Start a server process and resolve with its /mcp URL once it logs "listening". */
export function startProcess(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; startedAt: number }> {
  const startedAt = performance.now();
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let pending = '';
    const timer = setTimeout(() => reject(new Error(`no listening line from ${args.join(' ')}`)), 30_000);
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /"url":"(http:\/\/[^"]+\/mcp)"/.exec(line);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve({ child, url: m[1].replace('0.0.0.0', '127.0.0.1'), startedAt });
        }
      }
    });
  });
}

export async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Queries agents typically send, typos included, for local search timings. */
export const SEARCH_QUERIES = [
  'flux dev',
  'whisper',
  'remove background',
  'video upscale',
  'fluxx schnel',
  'kling text to video',
  'portrait photo',
  'music generation',
  'transcribe audio',
  'lip sync',
  '3d model from image',
  'anime style',
];

/** p50 and p99 (ms) of `search` per run, over `samples` queries cycling through SEARCH_QUERIES. */
export function timeSearch(search: (text: string) => unknown, runs: number, samples = 2_000) {
  const p50s: number[] = [];
  const p99s: number[] = [];
  for (let run = 0; run < runs; run++) {
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t = performance.now();
      search(SEARCH_QUERIES[i % SEARCH_QUERIES.length] as string);
      times.push(performance.now() - t);
    }
    p50s.push(percentile(times, 0.5));
    p99s.push(percentile(times, 0.99));
  }
  return { p50s, p99s };
}

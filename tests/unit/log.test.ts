import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { Secret } from '../../src/lib/secret.js';
import { createLogger, scrub } from '../../src/log.js';

/** Run a snippet that logs through the default (stderr) sink; return what reached stderr. */
function stderrOf(snippet: string): Promise<string> {
  const script = `import { createLogger } from './src/log.ts';\nconst log = createLogger('info');\n${snippet}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.once('error', reject);
    child.once('exit', () => resolve(err));
  });
}

const messages = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('the default stderr log sink (buffered per event-loop turn)', () => {
  it('writes every line in order, batched or not', async () => {
    const out = await stderrOf(
      `for (let i = 0; i < 600; i++) log.info('line ' + i);\nsetTimeout(() => log.info('later'), 20);`,
    );
    expect(messages(out)).toEqual([...Array.from({ length: 600 }, (_, i) => `line ${i}`), 'later']);
  });

  it('loses nothing when the process exits right after logging', async () => {
    const out = await stderrOf(`log.info('first');\nlog.warn('last words', { code: 1 });\nprocess.exit(3);`);
    expect(messages(out)).toEqual(['first', 'last words']);
  });

  it('loses nothing when the process dies of an uncaught exception', async () => {
    const out = await stderrOf(`log.error('about to fail');\nthrow new Error('boom');`);
    expect(messages(out)).toEqual(['about to fail']);
    expect(out).toContain('boom');
  });
});

describe('errors in log lines', () => {
  const KEY = 'key-id-1234:secret-value-5678';
  const logged = (error: unknown) => {
    const lines: string[] = [];
    createLogger('info', (l) => lines.push(l), {}, [new Secret(KEY)]).error('failed', { error });
    return JSON.parse(lines[0] ?? '{}').error as Record<string, unknown>;
  };

  it('an internal error keeps its stack and cause, scrubbed of the secrets', () => {
    const error = new Error(`upstream broke for ${KEY}`, { cause: new TypeError('socket hang up') });
    const line = logged(error);
    expect(line.message).toBe('upstream broke for [redacted]');
    expect(line.stack).toMatch(/^Error: upstream broke for \[redacted\]\n\s+at /);
    expect(JSON.stringify(line)).not.toContain('secret-value');
    expect(line.cause).toMatchObject({ name: 'TypeError', message: 'socket hang up' });
  });

  it("a caller's mistake is logged by name and message only", () => {
    expect(logged(new UserError('bad field'))).toEqual({ name: 'UserError', message: 'bad field' });
  });
});

describe('what a line may carry', () => {
  it('scrub replaces a credential with [redacted] and nothing else (no stray match offsets)', () => {
    const key = '6f1b7b8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b:0123456789abcdef0123';
    expect(scrub(`raw: ${key} end`)).toBe('raw: [redacted] end');
    expect(scrub('Authorization: Key abcdefgh12345')).toBe('Authorization: Key [redacted]');
    expect(scrub('https://x/?token=abc123&y=1')).toBe('https://x/?token=[redacted]&y=1');
  });

  it('a value a client sent is logged as a short prefix, however long it was', () => {
    const lines: string[] = [];
    createLogger('info', (l) => lines.push(l)).info('refused', { name: 'x'.repeat(200_000) });
    expect(lines[0]?.length).toBeLessThan(2_300);
    expect(lines[0]).toContain('… (200000 characters)');
  });
});

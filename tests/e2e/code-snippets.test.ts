import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmulatedModel, loadCatalogue } from '../emulator/catalogue.js';
import { connectModern, type TestClient, textOf } from '../helpers/clients.js';
import { type Harness, IN_PROCESS_URL, startHarness } from '../helpers/harness.js';
import { structuredOf } from '../helpers/structured.js';

const run = promisify(execFile);
const KEY = 'snippet-id:snippet-secret';

const AWKWARD_PROMPT = `it's a "quoted" $HOME \`cmd\` \\ line\nbreak`;
/** A model whose example prompt has every character a shell or a string literal trips over. */
const AWKWARD: EmulatedModel = {
  endpoint_id: 'acme/quoting/v1',
  metadata: { display_name: 'Quoting', category: 'text-to-image', status: 'active' },
  input_schema: {
    type: 'object',
    properties: {
      prompt: { type: 'string', examples: [AWKWARD_PROMPT] },
      steps: { type: 'integer', minimum: 4 },
      style: { type: 'string', enum: ['raw', 'vivid'] },
      safe: { type: 'boolean' },
    },
    required: ['prompt', 'steps', 'style', 'safe'],
  },
  output_schema: {
    type: 'object',
    properties: {
      images: { type: 'array', items: { type: 'object', properties: { url: { type: 'string' } } } },
    },
  },
};

describe('get_model_schema detail:"code"', () => {
  let h: Harness;
  let client: TestClient;
  let dir: string;
  const snippetsOf = async (model: string) => {
    const r = await client.callTool('get_model_schema', { model, detail: 'code' });
    const { code } = structuredOf('get_model_schema', r);
    if (!code) throw new Error(`get_model_schema gave no code for ${model}: ${textOf(r)}`);
    return { code, text: textOf(r) };
  };
  const lastJob = () => [...h.emulator.state.jobs.values()].at(-1);

  beforeAll(async () => {
    const models = loadCatalogue().filter((m) =>
      ['fal-ai/flux/dev', 'bytedance/lynx'].includes(m.endpoint_id),
    );
    h = await startHarness({ emulator: { models: [...models, AWKWARD] } });
    h.emulator.state.setTiming('*', { queueMs: 50, runMs: 200, queuePosition: 0 });
    client = await connectModern({ url: IN_PROCESS_URL, fetch: h.inProcessFetch });
    // The snippets import @fal-ai/client as a user's project would: from a node_modules beside them.
    dir = mkdtempSync(join(tmpdir(), 'fal-snippets-'));
    symlinkSync(resolve('node_modules'), join(dir, 'node_modules'), 'dir');
    // No internet here: fal's queue host is pointed at the emulator under the snippet, which runs unchanged.
    writeFileSync(
      join(dir, 'to-emulator.mjs'),
      `const real = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  return real(url.replace('https://queue.fal.run', ${JSON.stringify(h.emulator.queueUrl)}), init);
};`,
    );
  });
  afterAll(async () => {
    await client.close();
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const runJavaScript = async (source: string) => {
    const file = join(dir, `snippet-${Date.now()}.mjs`);
    writeFileSync(file, source);
    const { stdout } = await run(process.execPath, ['--import', './to-emulator.mjs', file], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', FAL_KEY: KEY },
      timeout: 30_000,
    });
    return stdout;
  };
  const runCurl = async (source: string) => {
    const { stdout } = await run(
      'bash',
      ['-c', source.replaceAll('https://queue.fal.run', h.emulator.queueUrl)],
      {
        env: { PATH: process.env.PATH ?? '', FAL_KEY: KEY },
        timeout: 30_000,
      },
    );
    return stdout;
  };

  it('fills the required fields and puts the three snippets in the text too', async () => {
    const { code, text } = await snippetsOf('flux_dev');
    expect(code.example_input).toEqual({ prompt: 'A red fox in fresh snow, soft morning light' });
    expect(code.javascript).toContain('fal.subscribe("fal-ai/flux/dev"');
    expect(code.python).toContain('fal_client.subscribe(');
    expect(code.curl).toContain("'https://queue.fal.run/fal-ai/flux/dev'");
    expect(code.curl).toContain('https://queue.fal.run/fal-ai/flux/requests/$REQUEST_ID/status');
    for (const block of ['```js', '```python', '```sh']) expect(text).toContain(block);
  });

  it.each([['fal-ai/flux/dev'], ['bytedance/lynx'], ['acme/quoting/v1']])(
    'the JavaScript snippet for %s runs with the real @fal-ai/client and gets the result',
    async (model) => {
      const { code } = await snippetsOf(model);
      const out = await runJavaScript(code.javascript);
      const job = lastJob();
      expect(job?.endpointId).toBe(model);
      expect(job?.input).toEqual(code.example_input);
      // Log lines may come first (the snippet prints them while the job runs); then the id and the data.
      expect(out).toMatch(new RegExp(`^${job?.requestId} \\{`, 'm'));
      expect(out).toContain(`/cdn/${job?.requestId}/`);
    },
    40_000,
  );

  it.each([['fal-ai/flux/dev'], ['acme/quoting/v1']])(
    'the curl snippet for %s runs with curl: submit, poll, result',
    async (model) => {
      const { code } = await snippetsOf(model);
      const before = h.emulator.faults.callsTo('queue.submit').length;
      const out = await runCurl(code.curl);
      expect(h.emulator.faults.callsTo('queue.submit').length).toBe(before + 1);
      const job = lastJob();
      expect(job?.input).toEqual(code.example_input);
      expect(JSON.parse(out)).toMatchObject({
        images: [{ url: expect.stringContaining(job?.requestId ?? '?') }],
      });
      expect(h.emulator.faults.callsTo('queue.status').length).toBeGreaterThan(0);
    },
    40_000,
  );

  it('the Python snippet parses, and sends exactly the example input', async () => {
    const { code } = await snippetsOf('acme/quoting/v1');
    const reader = [
      'import ast, json, sys',
      'tree = ast.parse(sys.stdin.read())',
      "call = next(n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, 'attr', '') == 'subscribe')",
      "args = next(k.value for k in call.keywords if k.arg == 'arguments')",
      'print(json.dumps({"model": ast.literal_eval(call.args[0]), "input": ast.literal_eval(args)}))',
    ].join('\n');
    const child = execFile('python3', ['-c', reader], { timeout: 10_000 });
    child.stdin?.end(code.python);
    const out = await new Promise<string>((done, fail) => {
      let text = '';
      child.stdout?.on('data', (d) => (text += d));
      child.on('close', (status) =>
        status === 0 ? done(text) : fail(new Error(`python3 exited ${status}`)),
      );
    });
    expect(JSON.parse(out)).toEqual({ model: 'acme/quoting/v1', input: code.example_input });
    expect(code.example_input).toEqual({
      prompt: AWKWARD_PROMPT,
      steps: 4,
      style: 'raw',
      safe: false,
    });
  });

  it('file inputs get placeholder URLs and a line saying to replace them', async () => {
    const { code } = await snippetsOf('bytedance/lynx');
    expect(code.example_input.image_url).toBe('https://example.com/your-image.png');
    for (const snippet of [code.javascript, code.python, code.curl]) {
      expect(snippet).toContain('Replace the example.com URLs with your own files');
    }
  });
});

import { appOf } from '../fal/queue-paths.js';
import { isObject, type JsonObject } from '../lib/is-object.js';
import { isFileInput } from './schema-summary.js';

/** Code that calls a model from the user's own program, written from its input schema. */
export interface CodeSnippets {
  /** The input the snippets send: every required field filled. */
  example_input: Record<string, unknown>;
  javascript: string;
  python: string;
  curl: string;
}

const FAL_QUEUE = 'https://queue.fal.run';

const EXAMPLE_FILES: Record<string, string> = {
  image: 'https://example.com/your-image.png',
  mask: 'https://example.com/your-mask.png',
  video: 'https://example.com/your-video.mp4',
  audio: 'https://example.com/your-audio.mp3',
};

/**
 * A value for one field: the schema's own example or default where it has one,
 * else the first enum value, the minimum, or something plain of the right type.
 */
function exampleValue(name: string, schema: JsonObject, depth: number): unknown {
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (schema.default !== undefined && schema.default !== null) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const variants = (Array.isArray(schema.anyOf) ? schema.anyOf : schema.oneOf) as unknown;
  if (Array.isArray(variants)) {
    const first = variants.filter(isObject).find((v) => v.type !== 'null');
    return first ? exampleValue(name, first, depth + 1) : null;
  }
  if (isFileInput(name, schema)) {
    const kind = Object.keys(EXAMPLE_FILES).find((k) => name.includes(k)) ?? 'image';
    const url = EXAMPLE_FILES[kind] ?? 'https://example.com/your-file';
    return schema.type === 'array' ? [url] : url;
  }
  switch (schema.type) {
    case 'string':
      return /prompt/.test(name) ? 'A red fox in fresh snow, soft morning light' : `your ${name}`;
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'array':
      return isObject(schema.items) && depth < 4 ? [exampleValue(name, schema.items, depth + 1)] : [];
    default:
      return isObject(schema.properties) && depth < 4 ? exampleObject(schema, depth + 1) : {};
  }
}

function exampleObject(schema: JsonObject, depth: number): Record<string, unknown> {
  const props = isObject(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const out: Record<string, unknown> = {};
  for (const name of required) {
    const child = props[name];
    out[name] = isObject(child) ? exampleValue(name, child, depth) : null;
  }
  return out;
}

/** An example input for a model: its required fields, filled. */
export function exampleInput(inputSchema: JsonObject): Record<string, unknown> {
  return exampleObject(inputSchema, 0);
}

const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);

/** A JSON value as a Python literal (True/False/None; JSON strings are valid Python strings). */
export function pythonLiteral(value: unknown, depth = 0): string {
  const pad = '    '.repeat(depth + 1);
  const end = '    '.repeat(depth);
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'None';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${pad}${pythonLiteral(v, depth + 1)},`).join('\n')}\n${end}]`;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${pad}${JSON.stringify(k)}: ${pythonLiteral(v, depth + 1)},`).join('\n')}\n${end}}`;
}

const shellQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** JavaScript (@fal-ai/client), Python (fal-client) and curl (the queue API) for one model. */
export function codeSnippets(endpointId: string, inputSchema: JsonObject): CodeSnippets {
  const input = exampleInput(inputSchema);
  const usesFiles = JSON.stringify(input).includes('https://example.com/');
  const filesNote = usesFiles
    ? 'Replace the example.com URLs with your own files (public URLs or fal uploads).'
    : '';
  const json = JSON.stringify(input, null, 2);
  const javascript = [
    '// npm install @fal-ai/client; the client reads your key from FAL_KEY.',
    ...(filesNote ? [`// ${filesNote}`] : []),
    "import { fal } from '@fal-ai/client';",
    '',
    `const result = await fal.subscribe(${JSON.stringify(endpointId)}, {`,
    `  input: ${indent(json, '  ')},`,
    '  logs: true,',
    '  onQueueUpdate: (update) => {',
    "    if (update.status === 'IN_PROGRESS') for (const log of update.logs) console.log(log.message);",
    '  },',
    '});',
    'console.log(result.requestId, JSON.stringify(result.data, null, 2));',
  ].join('\n');
  const python = [
    '# pip install fal-client; the client reads your key from FAL_KEY.',
    ...(filesNote ? [`# ${filesNote}`] : []),
    'import fal_client',
    '',
    'result = fal_client.subscribe(',
    `    ${JSON.stringify(endpointId)},`,
    `    arguments=${pythonLiteral(input, 1)},`,
    '    with_logs=True,',
    ')',
    'print(result)',
  ].join('\n');
  const requests = `${FAL_QUEUE}/${appOf(endpointId)}/requests`;
  const curl = [
    '# Submit to the queue (your key in FAL_KEY), then poll the status and fetch the result.',
    ...(filesNote ? [`# ${filesNote}`] : []),
    `REQUEST_ID=$(curl -s -X POST '${FAL_QUEUE}/${endpointId}' \\`,
    `  -H "Authorization: Key $FAL_KEY" -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(JSON.stringify(input))} | sed -E 's/.*"request_id": *"([^"]+)".*/\\1/')`,
    'for _ in $(seq 600); do',
    `  curl -s "${requests}/$REQUEST_ID/status" -H "Authorization: Key $FAL_KEY" | grep -q '"COMPLETED"' && break`,
    '  sleep 1',
    'done',
    `curl -s "${requests}/$REQUEST_ID" -H "Authorization: Key $FAL_KEY"`,
  ].join('\n');
  return { example_input: input, javascript, python, curl };
}

/** Turning an endpoint's OpenAPI document into what an agent needs to call it. */

import * as v from 'valibot';
import { isObject, type JsonObject } from '../lib/is-object.js';
import { enumValues } from '../lib/schema-values.js';

/** One input field, as get_model_schema shows it. */
export const FieldSummarySchema = v.object({
  name: v.string(),
  type: v.string(),
  required: v.boolean(),
  description: v.optional(v.string()),
  default: v.optional(v.unknown()),
  enum: v.optional(v.array(v.unknown())),
  minimum: v.optional(v.number()),
  maximum: v.optional(v.number()),
  /** Takes a file URL: pass a public URL, or upload first with upload_file. */
  file_input: v.optional(v.boolean()),
});
export type FieldSummary = v.InferOutput<typeof FieldSummarySchema>;

const OutputMediaSchema = v.object({
  field: v.string(),
  kind: v.picklist(['image', 'video', 'audio', '3d', 'file']),
  many: v.boolean(),
});
type OutputMedia = v.InferOutput<typeof OutputMediaSchema>;

/** What an agent needs to call a model: its fields, file inputs and media outputs. */
export const SchemaSummarySchema = v.object({
  required: v.array(v.string()),
  fields: v.array(FieldSummarySchema),
  file_inputs: v.array(v.string()),
  output_media: v.array(OutputMediaSchema),
  output_fields: v.array(v.string()),
});
export type SchemaSummary = v.InferOutput<typeof SchemaSummarySchema>;

/** Inline local `$ref`s (`#/components/schemas/X`), bounded so cycles cannot explode. */
export function inlineRefs(schema: unknown, doc: JsonObject, depth = 0): unknown {
  if (depth > 12) return {};
  if (Array.isArray(schema)) return schema.map((s) => inlineRefs(s, doc, depth + 1));
  if (!isObject(schema)) return schema;
  const ref = schema.$ref;
  if (typeof ref === 'string' && ref.startsWith('#/')) {
    let target: unknown = doc;
    for (const part of ref.slice(2).split('/')) target = isObject(target) ? target[part] : undefined;
    const { $ref: _ref, ...rest } = schema;
    return inlineRefs({ ...(isObject(target) ? target : {}), ...rest }, doc, depth + 1);
  }
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(schema)) out[k] = inlineRefs(v, doc, depth + 1);
  return out;
}

function schemaAt(doc: JsonObject, path: (string | number)[]): unknown {
  let node: unknown = doc;
  for (const part of path) node = isObject(node) ? node[String(part)] : undefined;
  return node;
}

/** The input and output schemas of an endpoint's OpenAPI document, refs inlined. */
export function schemasFromOpenApi(
  doc: JsonObject,
  endpointId: string,
): { input: JsonObject; output: JsonObject } {
  const paths = isObject(doc.paths) ? doc.paths : {};
  let input = schemaAt(paths, [
    `/${endpointId}`,
    'post',
    'requestBody',
    'content',
    'application/json',
    'schema',
  ]);
  let output: unknown;
  for (const [path, item] of Object.entries(paths)) {
    if (path.includes('/requests/{request_id}') && !path.endsWith('/status') && !path.endsWith('/cancel')) {
      output = schemaAt(isObject(item) ? item : {}, [
        'get',
        'responses',
        '200',
        'content',
        'application/json',
        'schema',
      ]);
    }
  }
  const components = schemaAt(doc, ['components', 'schemas']);
  const named = isObject(components) ? components : {};
  input ??= named.Input ?? Object.entries(named).find(([k]) => k.endsWith('Input'))?.[1];
  output ??= named.Output ?? Object.entries(named).find(([k]) => k.endsWith('Output'))?.[1];
  const asObject = (s: unknown) => {
    const inlined = inlineRefs(s, doc);
    return isObject(inlined) ? inlined : {};
  };
  return { input: asObject(input), output: asObject(output) };
}

function typeOf(s: JsonObject): string {
  if (Array.isArray(s.enum)) return typeof s.type === 'string' ? s.type : 'enum';
  const variants = (s.anyOf ?? s.oneOf) as unknown;
  if (Array.isArray(variants)) {
    return [
      ...new Set(variants.filter(isObject).map((v) => (typeof v.title === 'string' ? v.title : typeOf(v)))),
    ]
      .filter((t) => t !== 'null')
      .join(' | ');
  }
  if (s.type === 'array') return `array<${isObject(s.items) ? typeOf(s.items) : 'any'}>`;
  if (typeof s.type === 'string')
    return s.type === 'object' && typeof s.title === 'string' ? s.title : s.type;
  if (typeof s.title === 'string') return s.title;
  return 'any';
}

export function isFileInput(name: string, s: JsonObject): boolean {
  if (s['x-fal-file-input'] === true) return true;
  if (isObject(s.items) && s.items['x-fal-file-input'] === true) return true;
  return /(^|_)(url|urls)$/.test(name) && (s.type === 'string' || (s.type === 'array' && isObject(s.items)));
}

const DESCRIPTION_BUDGET = 160;

export function summarizeFields(input: JsonObject): FieldSummary[] {
  const props = isObject(input.properties) ? input.properties : {};
  const required = new Set(Array.isArray(input.required) ? input.required.map(String) : []);
  const fields: FieldSummary[] = [];
  for (const [name, raw] of Object.entries(props)) {
    if (!isObject(raw)) continue;
    const field: FieldSummary = { name, type: typeOf(raw), required: required.has(name) };
    if (typeof raw.description === 'string') {
      const d = raw.description.replace(/\s+/g, ' ').trim();
      field.description = d.length > DESCRIPTION_BUDGET ? `${d.slice(0, DESCRIPTION_BUDGET - 1)}…` : d;
    }
    if (raw.default !== undefined) field.default = raw.default;
    const allowed = enumValues(raw);
    if (allowed) field.enum = allowed;
    if (typeof raw.minimum === 'number') field.minimum = raw.minimum;
    if (typeof raw.maximum === 'number') field.maximum = raw.maximum;
    if (isFileInput(name, raw)) field.file_input = true;
    fields.push(field);
  }
  // Required fields first, then alphabetical: what an agent must fill comes first.
  return fields.sort((a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name));
}

function mediaKind(name: string, s: JsonObject): OutputMedia['kind'] {
  const hay =
    `${name} ${typeof s.title === 'string' ? s.title : ''} ${typeof s.description === 'string' ? s.description : ''}`.toLowerCase();
  if (/video/.test(hay)) return 'video';
  if (/audio|speech|music|voice|sound/.test(hay)) return 'audio';
  if (/mesh|glb|3d|gltf|obj\b/.test(hay)) return '3d';
  if (/image|mask|frame|picture/.test(hay)) return 'image';
  return 'file';
}

/**
 * A file output: fal's File object (`{url, content_type, …}`), or, in schemas
 * generated from type declarations, a URI string marked as a file.
 */
const hasUrl = (s: unknown): boolean =>
  isObject(s) &&
  ((isObject(s.properties) && 'url' in s.properties) ||
    (s.type === 'string' && (s.format === 'uri' || s['x-fal-file-input'] === true)));

export function outputMedia(output: JsonObject): OutputMedia[] {
  const props = isObject(output.properties) ? output.properties : {};
  const media: OutputMedia[] = [];
  for (const [name, raw] of Object.entries(props)) {
    if (!isObject(raw)) continue;
    if (hasUrl(raw)) media.push({ field: name, kind: mediaKind(name, raw), many: false });
    else if (raw.type === 'array' && hasUrl(raw.items))
      media.push({ field: name, kind: mediaKind(name, raw.items as JsonObject), many: true });
  }
  return media;
}

export function summarizeSchemas(input: JsonObject, output: JsonObject): SchemaSummary {
  const fields = summarizeFields(input);
  return {
    required: fields.filter((f) => f.required).map((f) => f.name),
    fields,
    file_inputs: fields.filter((f) => f.file_input).map((f) => f.name),
    output_media: outputMedia(output),
    output_fields: Object.keys(isObject(output.properties) ? output.properties : {}).sort(),
  };
}

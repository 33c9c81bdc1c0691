import { type Schema, Validator } from '@cfworker/json-schema';
import { isObject, type JsonObject } from '../lib/is-object.js';

/**
 * A model's input schema ready for a standard JSON Schema (2020-12) validator.
 * fal's OpenAPI documents are 3.0 or 3.1: 3.0's `nullable` and boolean
 * `exclusiveMinimum`/`exclusiveMaximum` are rewritten into their JSON Schema
 * forms. The root's `additionalProperties` is left to validateInput, which
 * names the closest real field for an unknown one.
 */
export interface CompiledInputSchema {
  /** The schema as validated (after the rewrite), to describe what a failing keyword expected. */
  schema: JsonObject;
  validator: Validator;
}

// Schemas come from ModelSchemaService's cache, one object per model: compile each once.
const compiled = new WeakMap<JsonObject, CompiledInputSchema>();

export function compileInputSchema(openapi: JsonObject): CompiledInputSchema {
  let entry = compiled.get(openapi);
  if (!entry) {
    const schema = toJsonSchema(openapi, 0) as JsonObject;
    delete schema.additionalProperties;
    entry = { schema, validator: new Validator(schema as Schema, '2020-12', false) };
    compiled.set(openapi, entry);
  }
  return entry;
}

function toJsonSchema(node: unknown, depth: number): unknown {
  if (depth > 16) return {};
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n, depth + 1));
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    // Values of these are data, not schemas.
    out[key] = ['enum', 'const', 'default', 'example', 'examples', 'required'].includes(key)
      ? value
      : toJsonSchema(value, depth + 1);
  }
  if (out.nullable === true) allowNull(out);
  delete out.nullable;
  for (const [bound, limit] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (out[bound] === true && typeof out[limit] === 'number') {
      out[bound] = out[limit];
      delete out[limit];
    } else if (typeof out[bound] === 'boolean') delete out[bound];
  }
  return out;
}

function allowNull(schema: JsonObject): void {
  if (Array.isArray(schema.enum) && !schema.enum.includes(null)) schema.enum = [...schema.enum, null];
  if (typeof schema.type === 'string') schema.type = [schema.type, 'null'];
  else if (Array.isArray(schema.type) && !schema.type.includes('null'))
    schema.type = [...schema.type, 'null'];
  for (const key of ['anyOf', 'oneOf'] as const) {
    const variants = schema[key];
    if (Array.isArray(variants)) schema[key] = [...variants, { type: 'null' }];
  }
}

/** Follow a JSON pointer (`#/properties/a/0`) into a document. */
export function resolvePointer(root: unknown, pointer: string): unknown {
  let node = root;
  for (const raw of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    node = Array.isArray(node) ? node[Number(part)] : isObject(node) ? node[part] : undefined;
  }
  return node;
}

/** A field name as agents write it: `loras[0].path` for `#/loras/0/path`. */
export function fieldName(instanceLocation: string): string {
  let name = '';
  for (const raw of instanceLocation.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    name += /^\d+$/.test(part) ? `[${part}]` : name ? `.${part}` : part;
  }
  return name;
}

import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { SERVER_CHECKED, TERSE, UNLISTED } from '../lib/schema-marks.js';

type Io = 'input' | 'output';
type Json = Record<string, unknown>;

const SERVER_BOUNDS = new Set(['pattern', 'format', 'minLength', 'maxLength', 'minimum']);

/**
 * What agents read, written small: no defaults spelt out (`additionalProperties: {}`,
 * `propertyNames: {type: string}`, an empty `required`, the `type` of an enum), no
 * bounds of server-checked fields, and output schemas one level deep: each
 * top-level field with its type (an enum's values too are the text's to say), no
 * descriptions, no `required` (the text says the rest; the server validates the
 * whole shape itself before answering).
 */
function compact(node: unknown, io: Io, depth: number): unknown {
  if (Array.isArray(node)) return node.map((n) => compact(n, io, depth));
  if (typeof node !== 'object' || node === null) return node;
  const schema = node as Json;
  if (io === 'output' && depth >= 1 && isUniformEnum(schema.enum)) {
    return { type: jsonTypeOf((schema.enum as unknown[])[0]) };
  }
  const serverOnly = schema[SERVER_CHECKED] === true;
  const described = schema[TERSE] !== true;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === SERVER_CHECKED || key === UNLISTED || key === TERSE) continue;
    // A terse field is described, with its bounds, by another tool of the same listing.
    if (!described && (key === 'description' || key === 'maximum' || key === 'maxLength')) continue;
    if (key === 'additionalProperties' && isEmpty(value)) continue;
    if (key === 'propertyNames' && isStringType(value)) continue;
    if (serverOnly && SERVER_BOUNDS.has(key)) continue;
    if (io === 'output' && key === 'description') continue;
    if (io === 'output' && (key === 'required' || (depth >= 1 && (key === 'properties' || key === 'items'))))
      continue;
    if (key === 'required' && Array.isArray(value) && value.length === 0) continue;
    // An enum whose values share one type says that type already.
    if (key === 'type' && isUniformEnum(schema.enum)) continue;
    if (key === 'properties' && typeof value === 'object' && value !== null) {
      out[key] = Object.fromEntries(
        Object.entries(value as Json)
          .filter(([, sub]) => !(io === 'output' && (sub as Json | undefined)?.[UNLISTED] === true))
          .map(([name, sub]) => [name, compact(sub, io, depth + 1)]),
      );
    } else if (key === 'items' && typeof schema.description === 'string' && isObject(value)) {
      // A described list's items need no words of their own (the model ids, the request ids).
      const { description: _, ...item } = value;
      out[key] = compact(item, io, depth + 1);
    } else if (key === 'items' || key === 'anyOf' || key === 'oneOf') {
      out[key] = compact(value, io, key === 'items' ? depth + 1 : depth);
    } else out[key] = value;
  }
  return out;
}

const isUniformEnum = (values: unknown) =>
  Array.isArray(values) &&
  values.length > 0 &&
  values.every((e) => typeof e === typeof values[0] && e !== null);
const jsonTypeOf = (value: unknown) =>
  typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : typeof value;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isEmpty = (value: unknown) =>
  typeof value === 'object' && value !== null && Object.keys(value).length === 0;
const isStringType = (value: unknown) =>
  typeof value === 'object' &&
  value !== null &&
  (value as Json).type === 'string' &&
  Object.keys(value).length === 1;

/** The JSON Schema dialect the SDK asks for when it lists tools. */
export const SDK_SCHEMA_TARGET = { target: 'draft-2020-12' } as const;

/**
 * A valibot schema whose JSON Schema is converted once per target and then
 * reused. The SDK asks for the JSON Schema on every tools/list of every
 * per-request McpServer; without this each request would convert all tools again.
 */
export function precomputedSchema<S extends v.GenericSchema>(
  schema: S,
  /** Validates instead of `schema` (same output), e.g. one that also reads synonyms first. */
  validator: v.GenericSchema = schema,
): StandardSchemaWithJSON<v.InferInput<S>, v.InferOutput<S>> {
  const standard = toStandardJsonSchema(schema);
  const props = standard['~standard'];
  const cache = new Map<string, Json>();
  const convert = (io: Io, options: { readonly target: string }) => {
    const key = `${io}:${options.target}`;
    let json = cache.get(key);
    if (!json) {
      // Transform actions (trim, toLowerCase) have no JSON Schema form; they only normalise input.
      const withOptions = { ...options, libraryOptions: { errorMode: 'ignore' } };
      const { $schema: _dialect, ...converted } = props.jsonSchema[io](
        withOptions as Parameters<typeof props.jsonSchema.input>[0],
      );
      // MCP tool schemas default to 2020-12; the $schema line would be paid for in every agent's context.
      json = Object.freeze(compact(converted, io, 0) as Json);
      cache.set(key, json);
    }
    return json;
  };
  // Warm the target the SDK uses so the first request pays nothing either.
  convert('input', SDK_SCHEMA_TARGET);
  convert('output', SDK_SCHEMA_TARGET);
  return {
    '~standard': {
      version: 1,
      vendor: props.vendor,
      validate: validator === schema ? props.validate : validator['~standard'].validate,
      jsonSchema: { input: (o) => convert('input', o), output: (o) => convert('output', o) },
    },
  } as StandardSchemaWithJSON<v.InferInput<S>, v.InferOutput<S>>;
}

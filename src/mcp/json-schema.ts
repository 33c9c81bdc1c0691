import type { StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import { toStandardJsonSchema } from '@valibot/to-json-schema';
import type * as v from 'valibot';

type Io = 'input' | 'output';

/** The JSON Schema dialect the SDK asks for when it lists tools. */
export const SDK_SCHEMA_TARGET = { target: 'draft-2020-12' } as const;

/**
 * A valibot schema whose JSON Schema is converted once per target and then
 * reused. The SDK asks for the JSON Schema on every tools/list of every
 * per-request McpServer; without this each request would convert all tools again.
 */
export function precomputedSchema<S extends v.GenericSchema>(
  schema: S,
): StandardSchemaWithJSON<v.InferInput<S>, v.InferOutput<S>> {
  const standard = toStandardJsonSchema(schema);
  const props = standard['~standard'];
  const cache = new Map<string, Record<string, unknown>>();
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
      json = Object.freeze(converted);
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
      validate: props.validate,
      jsonSchema: { input: (o) => convert('input', o), output: (o) => convert('output', o) },
    },
  } as StandardSchemaWithJSON<v.InferInput<S>, v.InferOutput<S>>;
}

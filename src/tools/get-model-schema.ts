import * as v from 'valibot';
import { unlisted } from '../lib/schema-marks.js';
import { codeSnippets } from '../registry/code-snippets.js';
import { SchemaSummarySchema } from '../registry/schema-summary.js';
import { READS } from './annotations.js';
import { defineTool } from './define-tool.js';
import { ModelNameParam } from './params.js';

export const getModelSchemaTool = defineTool({
  name: 'get_model_schema',
  title: 'Get a model’s inputs and outputs',
  group: 'discovery',
  description:
    'What a model takes and returns: required fields, types, enums, defaults, ranges, file inputs, media outputs. Call it before run_model.',
  input: v.object({
    model: ModelNameParam,
    detail: v.optional(
      v.pipe(
        v.picklist(['summary', 'full', 'code']),
        v.description('full: whole JSON Schemas (large); code: JS, Python, curl.'),
      ),
      'summary',
    ),
  }),
  output: v.object({
    model: v.string(),
    name: v.pipe(v.string(), unlisted()),
    category: v.pipe(v.string(), unlisted()),
    description: v.pipe(v.string(), unlisted()),
    ...SchemaSummarySchema.entries,
    input_schema: v.optional(v.record(v.string(), v.unknown())),
    output_schema: v.optional(v.record(v.string(), v.unknown())),
    note: v.optional(v.pipe(v.string(), unlisted())),
    code: v.optional(
      v.object({
        example_input: v.record(v.string(), v.unknown()),
        javascript: v.string(),
        python: v.string(),
        curl: v.string(),
      }),
    ),
  }),
  annotations: READS,
  needsKey: false,
  async handler(args, caller, { services, signal }) {
    const { schema, note } = await services.schemas.get(args.model, caller, signal);
    const { summary, model } = schema;
    const code = args.detail === 'code' ? codeSnippets(schema.id, schema.input) : undefined;
    const structured = {
      model: schema.id,
      name: model.name,
      category: model.category,
      description: model.description,
      ...summary,
      ...(args.detail === 'full' ? { input_schema: schema.input, output_schema: schema.output } : {}),
      ...(note ? { note } : {}),
      ...(code ? { code } : {}),
    };
    const fieldLines = summary.fields.map((f) => {
      const extra = [
        f.enum ? `one of ${f.enum.map((e) => JSON.stringify(e)).join(', ')}` : undefined,
        f.default !== undefined ? `default ${JSON.stringify(f.default)}` : undefined,
        f.minimum !== undefined || f.maximum !== undefined
          ? `range ${f.minimum ?? '…'}–${f.maximum ?? '…'}`
          : undefined,
        f.file_input ? 'file URL' : undefined,
      ].filter(Boolean);
      const line = `- ${f.name}${f.required ? ' (required)' : ''}: ${f.type}${extra.length ? ` [${extra.join('; ')}]` : ''}`;
      // Text-only clients never see structuredContent: "full" puts everything in the text too.
      return args.detail === 'full' && f.description
        ? `${line}\n    ${f.description.replace(/\s+/g, ' ')}`
        : line;
    });
    const media = summary.output_media
      .map((m) => `${m.field} (${m.kind}${m.many ? ', list' : ''})`)
      .join(', ');
    const text = [
      `${schema.id} — ${model.name} [${model.category}]`,
      ...(note ? [note] : []),
      'Inputs:',
      ...fieldLines,
      `Outputs: ${summary.output_fields.join(', ') || '(none declared)'}${media ? `; media: ${media}` : ''}`,
      ...(args.detail === 'full'
        ? [
            `Input JSON Schema: ${JSON.stringify(schema.input)}`,
            `Output JSON Schema: ${JSON.stringify(schema.output)}`,
          ]
        : []),
      ...(code
        ? [
            'JavaScript (@fal-ai/client):',
            '```js',
            code.javascript,
            '```',
            'Python (fal-client):',
            '```python',
            code.python,
            '```',
            'curl (queue API):',
            '```sh',
            code.curl,
            '```',
          ]
        : []),
    ].join('\n');
    return { structured, text };
  },
});

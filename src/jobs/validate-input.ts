import type { OutputUnit } from '@cfworker/json-schema';
import { editDistance } from '../lib/edit-distance.js';
import { isObject, type JsonObject } from '../lib/is-object.js';
import { compileInputSchema, fieldName, resolvePointer } from './input-schema.js';

export interface InputIssue {
  field: string;
  message: string;
}

function describeType(s: JsonObject): string {
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  const variants = s.anyOf ?? s.oneOf;
  if (Array.isArray(variants)) return variants.filter(isObject).map(describeType).join(' or ');
  if (s.type === 'array') return `an array${isObject(s.items) ? ` of ${describeType(s.items)}` : ''}`;
  if (s.type === 'object' && isObject(s.properties))
    return `an object {${Object.keys(s.properties).join(', ')}}`;
  if (Array.isArray(s.type)) return s.type.map((t) => describeType({ type: t })).join(' or ');
  if (typeof s.type === 'string') return s.type === 'integer' ? 'an integer' : `a ${s.type}`;
  return 'a value';
}

const jsonTypeOf = (value: unknown) =>
  Array.isArray(value)
    ? 'an array'
    : value === null
      ? 'null'
      : isObject(value)
        ? 'an object'
        : `a ${typeof value}`;

// Keywords whose failure only says "something inside failed": the inner error says what.
const WRAPPERS = new Set([
  'properties',
  'patternProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'allOf',
  '$ref',
  'if',
  'then',
  'else',
  'dependentSchemas',
  'unevaluatedProperties',
  'unevaluatedItems',
  'false',
]);

/** Today's wording for one failed keyword: what the field takes, in the schema's own terms. */
function describe(error: OutputUnit, schema: JsonObject, input: unknown): InputIssue[] {
  const field = fieldName(error.instanceLocation) || 'input';
  const node = resolvePointer(schema, error.keywordLocation.replace(/\/[^/]*$/, ''));
  const at = isObject(node) ? node : {};
  const value = resolvePointer(input, error.instanceLocation);
  const issue = (message: string) => [{ field, message }];
  switch (error.keyword) {
    case 'type':
      return issue(`expected ${describeType(at)}, got ${jsonTypeOf(value)}`);
    case 'enum':
    case 'const':
      return issue(`expected ${describeType(at)}, got ${JSON.stringify(value)}`);
    case 'anyOf':
    case 'oneOf':
      return /\d+ matches/.test(error.error)
        ? issue(`matches more than one of: ${describeType(at)}`)
        : issue(`expected ${describeType(at)}`);
    case 'required': {
      const present = isObject(value) ? value : {};
      const missing = (Array.isArray(at.required) ? at.required.map(String) : []).filter(
        (k) => present[k] === undefined,
      );
      return missing.map((k) => ({ field: field === 'input' ? k : `${field}.${k}`, message: 'is required' }));
    }
    case 'additionalProperties': {
      if (at.additionalProperties !== false || !isObject(value)) return [];
      const known = isObject(at.properties) ? at.properties : {};
      return Object.keys(value)
        .filter((k) => !(k in known))
        .map((k) => ({ field: `${field}.${k}`, message: 'is not a field of this object' }));
    }
    case 'minimum':
      return issue(`must be at least ${at.minimum}`);
    case 'maximum':
      return issue(`must be at most ${at.maximum}`);
    case 'exclusiveMinimum':
      return issue(`must be greater than ${at.exclusiveMinimum}`);
    case 'exclusiveMaximum':
      return issue(`must be less than ${at.exclusiveMaximum}`);
    case 'multipleOf':
      return issue(`must be a multiple of ${at.multipleOf}`);
    case 'minLength':
      return issue(`must be at least ${at.minLength} characters`);
    case 'maxLength':
      return issue(`must be at most ${at.maxLength} characters`);
    case 'pattern':
      return issue(`must match the pattern ${String(at.pattern)}`);
    case 'format':
      return issue(`must be a valid ${String(at.format)}, got ${JSON.stringify(value)}`);
    case 'minItems':
      return issue(`needs at least ${at.minItems} item(s)`);
    case 'maxItems':
      return issue(`takes at most ${at.maxItems} item(s)`);
    case 'uniqueItems':
      return issue('must not repeat an item');
    default:
      return issue(error.error.replace(/^Instance /, '').replace(/\.$/, ''));
  }
}

/** Unknown top-level fields, each with the closest real one: a misspelt option is otherwise silently ignored. */
function unknownFields(schema: JsonObject, input: JsonObject): InputIssue[] {
  if (schema.additionalProperties === true) return [];
  const props = isObject(schema.properties) ? schema.properties : {};
  return Object.keys(input)
    .filter((key) => !isObject(props[key]))
    .map((key) => {
      const close = Object.keys(props)
        .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase(), 4) }))
        .filter((x) => x.d <= 3)
        .sort((a, b) => a.d - b.d)[0];
      return {
        field: key,
        message: `is not an input of this model${close ? ` (did you mean "${close.k}"?)` : ''}`,
      };
    });
}

/**
 * Check a model input against the model's JSON Schema before anything reaches
 * fal (which may bill failed requests): a standard validator finds what fails,
 * and each failure is told in the schema's own terms, with the field's path.
 */
export function validateInput(schema: JsonObject, input: unknown): InputIssue[] {
  if (!isObject(input)) return [{ field: 'input', message: 'must be a JSON object of the model inputs' }];
  const compiled = compileInputSchema(schema);
  const result = compiled.validator.validate(input);
  const issues = unknownFields(schema, input);
  if (result.valid) return issues;
  // A failed anyOf/oneOf reports every branch's failures too; its own message covers them.
  const alternatives = result.errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .map((e) => `${e.keywordLocation}/`);
  const seen = new Set(issues.map((i) => `${i.field}\n${i.message}`));
  for (const error of result.errors) {
    if (WRAPPERS.has(error.keyword)) continue;
    if (alternatives.some((prefix) => error.keywordLocation.startsWith(prefix))) continue;
    for (const issue of describe(error, compiled.schema, input)) {
      const key = `${issue.field}\n${issue.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        issues.push(issue);
      }
    }
  }
  return issues;
}

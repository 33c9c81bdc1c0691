import { editDistance } from '../lib/edit-distance.js';
import { isObject, type JsonObject } from '../lib/is-object.js';

export interface InputIssue {
  field: string;
  message: string;
}

function describeType(s: JsonObject): string {
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  const variants = s.anyOf ?? s.oneOf;
  if (Array.isArray(variants)) return variants.filter(isObject).map(describeType).join(' or ');
  if (s.type === 'array') return `an array${isObject(s.items) ? ` of ${describeType(s.items)}` : ''}`;
  if (s.type === 'object' && isObject(s.properties))
    return `an object {${Object.keys(s.properties).join(', ')}}`;
  if (typeof s.type === 'string') return s.type === 'integer' ? 'an integer' : `a ${s.type}`;
  return 'a value';
}

function typeMatches(type: unknown, value: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  return types.some((t) => {
    switch (t) {
      case 'string':
        return typeof value === 'string';
      case 'number':
        return typeof value === 'number' && Number.isFinite(value);
      case 'integer':
        return typeof value === 'number' && Number.isInteger(value);
      case 'boolean':
        return typeof value === 'boolean';
      case 'array':
        return Array.isArray(value);
      case 'object':
        return isObject(value);
      case 'null':
        return value === null;
      default:
        return true;
    }
  });
}

function check(schema: JsonObject, value: unknown, field: string, issues: InputIssue[], depth: number): void {
  if (depth > 8) return;
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants)) {
    const branches = variants.filter(isObject);
    const ok = branches.some((b) => {
      const sub: InputIssue[] = [];
      check(b, value, field, sub, depth + 1);
      return sub.length === 0;
    });
    if (!ok) issues.push({ field, message: `expected ${describeType(schema)}` });
    return;
  }
  if (Array.isArray(schema.enum)) {
    if (!schema.enum.some((e) => e === value)) {
      issues.push({ field, message: `expected ${describeType(schema)}, got ${JSON.stringify(value)}` });
    }
    return;
  }
  if (schema.type !== undefined && !typeMatches(schema.type, value)) {
    const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`;
    issues.push({ field, message: `expected ${describeType(schema)}, got ${got}` });
    return;
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) {
      issues.push({ field, message: `must be at least ${schema.minimum}` });
    }
    if (typeof schema.maximum === 'number' && value > schema.maximum) {
      issues.push({ field, message: `must be at most ${schema.maximum}` });
    }
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) {
      issues.push({ field, message: `must be greater than ${schema.exclusiveMinimum}` });
    }
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) {
      issues.push({ field, message: `must be less than ${schema.exclusiveMaximum}` });
    }
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
      issues.push({ field, message: `must be at least ${schema.minLength} characters` });
    }
    if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
      issues.push({ field, message: `must be at most ${schema.maxLength} characters` });
    }
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
      issues.push({ field, message: `needs at least ${schema.minItems} item(s)` });
    }
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
      issues.push({ field, message: `takes at most ${schema.maxItems} item(s)` });
    }
    if (isObject(schema.items)) {
      const items = schema.items;
      for (const [i, item] of value.slice(0, 100).entries())
        check(items, item, `${field}[${i}]`, issues, depth + 1);
    }
  }
  if (isObject(value) && isObject(schema.properties))
    checkObject(schema, value, field, issues, depth + 1, false);
}

function checkObject(
  schema: JsonObject,
  value: JsonObject,
  prefix: string,
  issues: InputIssue[],
  depth: number,
  strict: boolean,
): void {
  const props = isObject(schema.properties) ? schema.properties : {};
  const name = (key: string) => (prefix ? `${prefix}.${key}` : key);
  for (const key of Array.isArray(schema.required) ? schema.required.map(String) : []) {
    if (value[key] === undefined) issues.push({ field: name(key), message: 'is required' });
  }
  for (const [key, v] of Object.entries(value)) {
    const prop = props[key];
    if (!isObject(prop)) {
      if (strict && schema.additionalProperties !== true) {
        const close = Object.keys(props)
          .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase(), 4) }))
          .filter((x) => x.d <= 3)
          .sort((a, b) => a.d - b.d)[0];
        issues.push({
          field: name(key),
          message: `is not an input of this model${close ? ` (did you mean "${close.k}"?)` : ''}`,
        });
      }
      continue;
    }
    if (v === undefined) continue;
    check(prop, v, name(key), issues, depth);
  }
}

/**
 * Check a model input against the model's JSON Schema before anything reaches
 * fal (which may bill failed requests). Unknown top-level fields are refused
 * with the closest real field: a misspelt option would otherwise be silently ignored.
 */
export function validateInput(schema: JsonObject, input: unknown): InputIssue[] {
  if (!isObject(input)) return [{ field: 'input', message: 'must be a JSON object of the model inputs' }];
  const issues: InputIssue[] = [];
  checkObject(schema, input, '', issues, 0, true);
  return issues;
}

import { isObject, type JsonObject } from './is-object.js';

/** Fitting one value to one JSON Schema property (an enum, a number range, a type). */

/** The first number written in a value: "10" → 10, "5s" → 5. */
export function numberIn(text: unknown): number | undefined {
  const m = /(\d+(?:\.\d+)?)/.exec(String(text));
  return m?.[1] ? Number(m[1]) : undefined;
}

/** A property's allowed values, its own or a variant's (`anyOf: [{type: string}, {enum: […]}]`). */
export function enumValues(prop: JsonObject): unknown[] | undefined {
  if (Array.isArray(prop.enum)) return prop.enum;
  const variants = Array.isArray(prop.anyOf) ? prop.anyOf.filter(isObject) : [];
  return variants.find((v) => Array.isArray(v.enum))?.enum as unknown[] | undefined;
}

/** Pick the enum member closest to a value: exact, case-insensitive, then nearest number. */
export function nearestEnum(
  value: unknown,
  options: unknown[],
  toNumber: (x: unknown) => number | undefined = numberIn,
): unknown {
  const exact = options.find((o) => o === value || String(o).toLowerCase() === String(value).toLowerCase());
  if (exact !== undefined) return exact;
  const target = toNumber(value);
  if (target === undefined) return undefined;
  let best: unknown;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const o of options) {
    const n = toNumber(o);
    if (n === undefined) continue;
    const d = Math.abs(Math.log(n / target));
    if (d < bestDistance) {
      best = o;
      bestDistance = d;
    }
  }
  return best;
}

/** The generic conversion: wrap in an array, match an enum, coerce number/string, clamp to a range. */
export function fitToSchema(value: unknown, prop: JsonObject): unknown {
  if (prop.type === 'array' && !Array.isArray(value)) return [value];
  const options = enumValues(prop);
  if (options) return nearestEnum(value, options);
  if ((prop.type === 'number' || prop.type === 'integer') && typeof value !== 'number')
    return numberIn(value);
  if (prop.type === 'string' && typeof value === 'number') return String(value);
  if (typeof value === 'number') {
    let v = prop.type === 'integer' ? Math.round(value) : value;
    if (typeof prop.minimum === 'number') v = Math.max(prop.minimum, v);
    if (typeof prop.maximum === 'number') v = Math.min(prop.maximum, v);
    return v;
  }
  return value;
}

/** A short account of what a property allows: its enum, or its range. */
export function allowedOf(prop: JsonObject): string | undefined {
  const options = enumValues(prop);
  if (options) {
    const shown = options.slice(0, 12).map((o) => JSON.stringify(o));
    return `one of ${shown.join(', ')}${options.length > 12 ? `, … (${options.length})` : ''}`;
  }
  const { minimum: min, maximum: max } = prop;
  if (typeof min === 'number' && typeof max === 'number') return `${min} to ${max}`;
  if (typeof max === 'number') return `at most ${max}`;
  if (typeof min === 'number') return `at least ${min}`;
  return undefined;
}

/** The property at a dotted path of nested objects (`voice_setting.voice_id`). */
export function propAt(schema: JsonObject, path: string): JsonObject | undefined {
  let node: unknown = schema;
  for (const part of path.split('.')) {
    const props = isObject(node) && isObject(node.properties) ? node.properties : undefined;
    node = props?.[part];
  }
  return isObject(node) ? node : undefined;
}

/** Set a value at a dotted path, making the objects on the way. */
export function setAt(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts.at(-1) as string] = value;
}

import { DURATION_INPUTS, IMAGE_PRESETS } from '../lib/frames.js';
import { isObject, type JsonObject } from '../lib/is-object.js';

/** What one run will cost by the caller's unit price, and how the figure was reached. */
export interface CostEstimate {
  /** The figure every rule uses: caps, the confirmation, budgets, refusals (USD). */
  usd: number;
  /** In words: "4 images × 1 MP × $0.025/MP". */
  basis: string;
  /** fal's own figure from typical past calls, when it was asked for. */
  historicalUsd?: number;
}

/** The caller's price of a model, as fal's pricing API gives it. */
export interface UnitPrice {
  unit_price: number;
  unit: string;
  currency: string;
}

/** A megapixel as fal bills it: 1024 × 1024 (a 1024² image is 1 MP), each image rounded up. */
const MEGAPIXEL = 1024 * 1024;

const money = (usd: number) => `$${Number(usd.toFixed(4))}`;
const round = (usd: number) => Math.round(usd * 10_000) / 10_000;

/** A value as the model will see it: the input's, else the schema's default. */
function seenValue(input: Record<string, unknown>, schema: JsonObject, name: string): unknown {
  if (input[name] !== undefined) return input[name];
  const props = isObject(schema.properties) ? schema.properties : {};
  const prop = props[name];
  return isObject(prop) ? prop.default : undefined;
}

function imageCount(input: Record<string, unknown>, schema: JsonObject): number {
  for (const name of ['num_images', 'num_outputs']) {
    const n = Number(seenValue(input, schema, name));
    if (Number.isInteger(n) && n > 0) return n;
  }
  return 1;
}

/** Pixels of one image, from an exact size or a preset; undefined when only a ratio (or nothing) says. */
function pixelsOf(input: Record<string, unknown>, schema: JsonObject): [number, number] | undefined {
  const size = seenValue(input, schema, 'image_size');
  if (isObject(size) && typeof size.width === 'number' && typeof size.height === 'number') {
    return [size.width, size.height];
  }
  if (typeof size === 'string') {
    const preset = IMAGE_PRESETS[size];
    return preset ? [preset[0], preset[1]] : undefined;
  }
  return undefined;
}

function secondsOf(input: Record<string, unknown>, schema: JsonObject): number | undefined {
  const ms = Number(seenValue(input, schema, 'music_length_ms'));
  if (Number.isFinite(ms) && ms > 0) return ms / 1000;
  for (const name of DURATION_INPUTS.filter((n) => n !== 'music_length_ms')) {
    const n = Number.parseFloat(String(seenValue(input, schema, name) ?? ''));
    if (Number.isFinite(n) && n > 0) return n;
  }
  return undefined;
}

function charactersOf(input: Record<string, unknown>): number | undefined {
  const text = [input.text, input.prompt].find((t) => typeof t === 'string');
  return typeof text === 'string' ? text.length : undefined;
}

/** The fields that say how much work a run is: size, count, length. */
const WORK_FIELDS = ['image_size', 'num_images', 'num_outputs', ...DURATION_INPUTS];

/** The work an input asks for, the model's defaults filled in: the same work priced on another model. */
export function workOf(input: Record<string, unknown>, schema: JsonObject): Record<string, unknown> {
  const work: Record<string, unknown> = { ...input };
  for (const name of WORK_FIELDS) {
    const value = seenValue(input, schema, name);
    if (value !== undefined) work[name] = value;
  }
  return work;
}

/**
 * The units one run of this input is billed in, by the unit fal prices the
 * model in (image, megapixels, second, video, 1000 characters, request,
 * minute), with the basis in words; undefined when the input does not say
 * (an audio file's minutes, a ratio-only image's pixels).
 */
export function unitsOf(
  unit: string,
  input: Record<string, unknown>,
  schema: JsonObject,
): { quantity: number; words: string } | undefined {
  const u = unit.toLowerCase();
  if (/megapixel/.test(u)) {
    const pixels = pixelsOf(input, schema);
    if (!pixels) return undefined;
    const perImage = Math.max(1, Math.ceil((pixels[0] * pixels[1]) / MEGAPIXEL));
    const n = imageCount(input, schema);
    return { quantity: n * perImage, words: `${n} image(s) × ${perImage} MP (${pixels[0]}×${pixels[1]})` };
  }
  if (/^images?$/.test(u)) {
    const n = imageCount(input, schema);
    return { quantity: n, words: `${n} image(s)` };
  }
  if (/^seconds?$/.test(u)) {
    const s = secondsOf(input, schema);
    return s === undefined ? undefined : { quantity: s, words: `${s} s` };
  }
  if (/characters/.test(u)) {
    const chars = charactersOf(input);
    const per = Number(/^(\d+)/.exec(u)?.[1] ?? 1);
    return chars === undefined ? undefined : { quantity: chars / per, words: `${chars} characters` };
  }
  if (/^(videos?|requests?|calls?|generations?)$/.test(u))
    return { quantity: 1, words: `1 ${u.replace(/s$/, '')}` };
  return undefined;
}

/**
 * One run's estimate: the caller's unit price × the units this input implies.
 * When the units cannot be derived, fal's typical past call is used, or one
 * unit if that is higher (the figure is never lowered by a guess), and the
 * basis says so.
 */
export function estimateRun(
  input: Record<string, unknown>,
  schema: JsonObject,
  price: UnitPrice | undefined,
  historicalUsd: number | undefined,
): CostEstimate | undefined {
  const history = historicalUsd !== undefined ? { historicalUsd } : {};
  if (!price) {
    return historicalUsd === undefined
      ? undefined
      : { usd: historicalUsd, basis: `fal's typical past call (no unit price for this key)`, ...history };
  }
  const per = `${money(price.unit_price)} per ${price.unit.replace(/^(megapixel|image|second|video|request|minute)s$/, '$1')}`;
  const units = unitsOf(price.unit, input, schema);
  if (units) {
    const usd = round(units.quantity * price.unit_price);
    const beside =
      historicalUsd !== undefined && Math.abs(historicalUsd - usd) > 0.00005
        ? `; fal's typical past call: ${money(historicalUsd)}`
        : '';
    return { usd, basis: `${units.words} × ${per}${beside}`, ...history };
  }
  const one = round(price.unit_price);
  const usd = Math.max(one, historicalUsd ?? 0);
  return {
    usd,
    basis:
      `the ${price.unit} this input takes cannot be told before it runs (${per}); ` +
      (historicalUsd !== undefined && historicalUsd >= one
        ? `using fal's typical past call, ${money(historicalUsd)}`
        : 'using one unit'),
    ...history,
  };
}

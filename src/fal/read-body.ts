import * as v from 'valibot';
import type { BudgetSlot } from '../lib/byte-budget.js';
import { FalError } from './errors.js';

export interface ReadLimits {
  /** Largest answer read at all. */
  maxBytes: number;
  /** Room in the process-wide budget for large answers; the caller releases it once the answer is parsed. */
  slot: BudgetSlot;
  /** The whole body must arrive within this (a slow drip cannot hold a call forever). */
  timeoutMs: number;
}

const tooLarge = (what: string, limit: number) =>
  new FalError({
    kind: 'too_large',
    message: `fal's answer is ${what}, larger than this server reads (${limit} bytes, MAX_UPSTREAM_RESPONSE_BYTES)`,
  });

/**
 * Read a response body as text, counting bytes as they stream in: a declared
 * length over the cap is refused before reading, and an undeclared one is cut
 * off as soon as it passes the cap or the budget. Nothing above the cap is held.
 */
export async function readCappedText(response: Response, limits: ReadLimits): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(`${declared} bytes`, limits.maxBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parts: string[] = [];
  let total = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void reader.cancel().catch(() => undefined);
  }, limits.timeoutMs);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > limits.maxBytes) throw tooLarge(`more than ${limits.maxBytes} bytes`, limits.maxBytes);
      if (!limits.slot.grow(total)) {
        throw new FalError({
          kind: 'busy',
          message: 'this server is holding too many large answers from fal right now',
        });
      }
      parts.push(decoder.decode(value, { stream: true }));
    }
    if (timedOut)
      throw new FalError({ kind: 'unavailable', message: 'fal did not finish its answer in time' });
    parts.push(decoder.decode());
    return parts.join('');
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    if (error instanceof FalError) throw error;
    throw new FalError({
      kind: 'unavailable',
      message: timedOut ? 'fal did not finish its answer in time' : 'the answer from fal was cut off',
    });
  } finally {
    clearTimeout(timer);
  }
}

/** A body fal sent, as JSON checked against its schema; a FalError naming where it went wrong otherwise. */
export function parseBody<T>(text: string, status: number, schema: v.GenericSchema<unknown, T>): T {
  let body: unknown;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    throw new FalError({
      kind: 'bad_response',
      status,
      message: 'fal answered with a body that is not valid JSON',
    });
  }
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue ? v.getDotPath(issue) : undefined;
    throw new FalError({
      kind: 'bad_response',
      status,
      message: `fal answered in an unexpected shape${where ? ` (at ${where})` : ''}`,
    });
  }
  return parsed.output;
}

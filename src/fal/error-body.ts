import type { BeforeErrorHook } from 'ky';
import { readCappedText } from './read-body.js';

/** fal's error bodies are a few hundred bytes; anything past this is not one worth reading. */
const MAX_ERROR_BODY = 256 * 1024;
const FREE = { grow: () => true, release: () => undefined };
const bodies = new WeakMap<Response, unknown>();

/**
 * Read a failed answer's body once, capped and timed, before ky decides on a
 * retry, so the retry rules and the error that reaches the caller can judge
 * what fal said. (ky 2 reads it itself, uncapped; ky 1 leaves it to us.)
 */
export function keepErrorBody(timeoutMs: number): BeforeErrorHook {
  return async (error) => {
    const text = await readCappedText(error.response, {
      maxBytes: MAX_ERROR_BODY,
      slot: FREE,
      timeoutMs,
    }).catch(() => '');
    bodies.set(error.response, parsed(text));
    return error;
  };
}

/** What fal said in a failed answer: its JSON, its text, or undefined when it said nothing readable. */
export function errorBodyOf(response: Response): unknown {
  return bodies.get(response);
}

function parsed(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

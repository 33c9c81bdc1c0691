import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A credential that cannot be printed by accident: string conversion, JSON and
 * util.inspect all give "[redacted]". Only `reveal()` hands out the value, and
 * only the fal client calls it, to build an Authorization header.
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

import * as v from 'valibot';
import { editDistance } from '../lib/edit-distance.js';
import { isObject } from '../lib/is-object.js';

/** Names agents reach for, read as the real argument wherever a tool has it. */
const COMMON_SYNONYMS: Record<string, string> = {
  endpoint_id: 'model',
  model_id: 'model',
  model_name: 'model',
  job_id: 'request_id',
  requestId: 'request_id',
};

function closest(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return known
    .map((k) => ({ k, d: k.includes(lower) || lower.includes(k) ? 1 : editDistance(lower, k, 4) }))
    .filter((x) => x.d <= 3)
    .sort((a, b) => a.d - b.d)[0]?.k;
}

/**
 * A tool's arguments as agents send them: a documented synonym is read as the
 * argument it stands for (`query` for `search`), and any other name the tool does
 * not know is an error naming it and the closest real ones. Never silently
 * dropped: an ignored `query` once returned the whole catalogue instead of a search.
 */
export function acceptingGuesses(
  input: v.GenericSchema,
  synonyms: Readonly<Record<string, string>> = {},
): v.GenericSchema {
  if (!('entries' in input) || !isObject(input.entries)) return input;
  const known = Object.keys(input.entries);
  const aliases = new Map(
    Object.entries({ ...COMMON_SYNONYMS, ...synonyms }).filter(([, target]) => known.includes(target)),
  );
  return v.pipe(
    v.unknown(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const raw = dataset.value;
      if (!isObject(raw)) return raw;
      const args: Record<string, unknown> = { ...raw };
      let refused = false;
      for (const key of Object.keys(raw)) {
        if (known.includes(key)) continue;
        const target = aliases.get(key);
        delete args[key];
        if (target !== undefined && !(target in raw)) {
          args[target] = raw[key];
          continue;
        }
        refused = true;
        const close = target ?? (key.length <= 60 ? closest(key, known) : undefined);
        const shown = key.length > 60 ? `${key.slice(0, 60)}…` : key;
        addIssue({
          message:
            target !== undefined
              ? `"${key}" and "${target}" are the same argument: send only "${target}"`
              : `unknown argument "${shown}"${close ? ` (did you mean "${close}"?)` : ''}; this tool takes ${known.join(', ')}`,
        });
      }
      return refused ? NEVER : args;
    }),
    input,
  );
}

import type { KeyedCaller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import { isObject, type JsonObject } from '../lib/is-object.js';
import { type MappedInput, mapParams, missingRequired } from '../media/map-params.js';
import { unknownVoice } from '../media/voices.js';
import type { ModelSchemaService } from '../registry/model-schemas.js';
import type { PricingService } from '../registry/pricing.js';
import type { ModelRegistry } from '../registry/registry.js';
import { resolveModel } from '../registry/resolve.js';
import { searchCatalogue } from '../registry/search.js';
import type { Catalogue } from '../registry/types.js';
import { type Asked, askedOf, describeUnmet } from './asked.js';

/** One mode of a media tool: which kinds of model fit and which one to use by default. */
export interface MediaMode {
  /** What the mode does, for messages: "text-to-image generation". */
  label: string;
  /** fal categories searched for models of this kind (a named model is judged by its schema). */
  categories: readonly string[];
  defaultModel: string;
  /** Words that find models of this kind in the catalogue. */
  keywords: string;
  /** The caller's values a model must take to do this at all (default: the prompt). */
  needs?: readonly string[];
  /** What the model must put out: a model that makes something else cannot do this. */
  makes: MediaKindMade;
}

export type MediaKindMade = 'image' | 'video' | 'audio' | 'text';

/** What a media tool asks for: a mode, the caller's values, and whether nearest values will do. */
export interface MediaRequest {
  mode: MediaMode;
  /** The caller's model choice, if any. */
  model?: string | undefined;
  /** The caller's values (undefined ones are skipped): each is honoured as asked, or the run is refused. */
  given: Record<string, unknown>;
  /** The tool's own defaults, applied only where the model has the input. */
  defaults?: Record<string, unknown>;
  /** Run with the nearest supported values (said first in the result) instead of refusing. */
  acceptNearest?: boolean | undefined;
}

/** What the runner submits: the model, its input, what to say about them, and what to check in the result. */
export interface RunPlan {
  model: string;
  input: Record<string, unknown>;
  notes: string[];
  asked?: Asked | undefined;
}

export interface PlanDeps {
  registry: ModelRegistry;
  schemas: ModelSchemaService;
  pricing: PricingService;
}

/** Models of a kind looked at when the default cannot do what was asked: found by words, or schema cached. */
const SEARCHED = 8;
const CACHED = 12;
/** Values that name something of one model's own (its voices): never matched by switching models. */
const MODEL_OWN = new Set(['voice']);

interface Fit {
  model: string;
  mapped: MappedInput;
  /** Required inputs nothing fills, and values the mode cannot do without: this model cannot do the job. */
  unfit: string[];
}

/**
 * Choose the model and its input for a media request. A named model is judged
 * by its schema (not its catalogue label); with none named, the default is
 * used when it takes everything asked, else the first model of the kind that
 * does. A value no chosen model honours refuses the run before anything is
 * submitted, naming models that take it, unless the caller accepts the nearest.
 */
export async function planMediaRun(
  deps: PlanDeps,
  req: MediaRequest,
  caller: KeyedCaller,
  signal?: AbortSignal,
): Promise<RunPlan> {
  const given = Object.fromEntries(Object.entries(req.given).filter(([, v]) => v !== undefined));
  const catalogue = await deps.registry.catalogue();
  const judge = async (id: string): Promise<Fit> => {
    const { schema } = await deps.schemas.get(id, caller, signal);
    const mapped = mapParams(id, schema.input, given, req.defaults);
    const voice = unknownVoice(id, mapped.input);
    if (voice) mapped.unmet.push(voice);
    const needs = req.mode.needs ?? ['prompt'];
    const made = kindsMade(schema.output);
    const unfit = [
      ...(made.size > 0 && !made.has(req.mode.makes)
        ? [`it makes ${[...made].join(' and ')}, not ${req.mode.makes}`]
        : []),
      ...missingRequired(schema.input, mapped.input).map(
        (name) => `it requires ${name}, which this tool does not fill`,
      ),
      ...mapped.unmet
        .filter((u) => needs.includes(u.key) && u.kind === 'absent')
        .map((u) => `it takes no ${u.key}`),
    ];
    return { model: id, mapped, unfit };
  };
  const plan = (fit: Fit, notes: string[]): RunPlan => {
    const nearest = fit.mapped.unmet.map((u) => describeUnmet(fit.model, u));
    return {
      model: fit.model,
      input: fit.mapped.input,
      notes: [
        ...(nearest.length
          ? [
              `Run with what ${fit.model} offers instead of what was asked (accept_nearest): ${nearest.join('; ')}.`,
            ]
          : []),
        ...notes,
        ...fit.mapped.notes,
      ],
      asked: askedOf(given),
    };
  };

  if (req.model) {
    const resolved = resolveModel(catalogue, req.model);
    const fit = await judge(resolved.id);
    const notes = resolved.note ? [resolved.note] : [];
    if (fit.unfit.length > 0) {
      const others = cheapestFirst(
        deps,
        await fitting(deps, catalogue, req.mode, resolved.id, judge),
        caller,
      );
      throw new UserError(
        `${resolved.id}${resolved.model ? ` (a ${resolved.model.category} model)` : ''} cannot do ${req.mode.label}: ` +
          `${fit.unfit.join('; ')}. Nothing was submitted. ` +
          (others.length ? `Try: ${others.join(', ')}. ` : '') +
          "Or use run_model with the model's own inputs (get_model_schema).",
      );
    }
    if (fit.mapped.unmet.length > 0 && !req.acceptNearest) {
      const own = ownValue(fit);
      const fits = own ? [] : await fitting(deps, catalogue, req.mode, fit.model, judge);
      throw refusal(req, fit, own ? undefined : cheapestFirst(deps, fits, caller));
    }
    return plan(fit, notes);
  }

  const fallback = defaultOf(catalogue, req.mode);
  const first = await judge(fallback.model);
  if (first.unfit.length === 0 && first.mapped.unmet.length === 0) return plan(first, fallback.notes);
  const own = ownValue(first);
  const fits = own ? [] : await fitting(deps, catalogue, req.mode, first.model, judge);
  const better = fits[0];
  if (better) {
    const why = first.unfit.length
      ? first.unfit.join('; ')
      : first.mapped.unmet.map((u) => describeUnmet(first.model, u)).join('; ');
    return plan(better, [
      ...fallback.notes,
      `The default ${first.model} cannot do all that was asked (${why}); using ${better.model}, which can.`,
    ]);
  }
  if (first.unfit.length === 0 && req.acceptNearest) return plan(first, fallback.notes);
  throw refusal(req, first, own ? undefined : []);
}

/** A voice belongs to its model: another model "taking" the same name would not speak with it. */
const ownValue = (fit: Fit) => fit.mapped.unmet.some((u) => MODEL_OWN.has(u.key));

/** The mode's default, or the best live model of its kind when fal has retired it (and a note saying so). */
function defaultOf(catalogue: Catalogue, mode: MediaMode): { model: string; notes: string[] } {
  if (catalogue.source === 'fallback' || catalogue.models.has(mode.defaultModel)) {
    return { model: mode.defaultModel, notes: [] };
  }
  const replacement = candidates(catalogue, mode, mode.defaultModel)[0];
  if (!replacement) {
    throw new UserError(
      `No ${mode.label} model is in fal's catalogue right now; pass one with the model parameter.`,
    );
  }
  return {
    model: replacement,
    notes: [
      `The default ${mode.defaultModel} is no longer in fal's catalogue; using ${replacement}, the best match for ${mode.label}.`,
    ],
  };
}

/** What a model's output holds, read off its output schema's field names (empty when it does not say). */
function kindsMade(output: JsonObject): Set<MediaKindMade> {
  const made = new Set<MediaKindMade>();
  const props = isObject(output.properties) ? output.properties : {};
  for (const [name, prop] of Object.entries(props)) {
    const title = isObject(prop) && typeof prop.title === 'string' ? prop.title : '';
    const hay = `${name} ${title}`.toLowerCase();
    if (/video/.test(hay)) made.add('video');
    else if (/image|frame/.test(hay)) made.add('image');
    else if (/audio|speech|music|sound/.test(hay)) made.add('audio');
    else if (/^(text|transcript|transcription|chunks|segments)\b/.test(hay)) made.add('text');
  }
  return made;
}

/**
 * Models of the mode's kind, the default leading: the best matches for its
 * words, then any of the kind whose schema is already cached (free to judge).
 */
function candidates(
  catalogue: Catalogue,
  mode: MediaMode,
  exclude: string,
  schemas?: ModelSchemaService,
): string[] {
  const found = mode.categories.flatMap((category) =>
    searchCatalogue(catalogue, { text: mode.keywords, category, limit: SEARCHED }).map((h) => h.model.id),
  );
  const cached = schemas
    ? catalogue.list
        .filter((m) => mode.categories.includes(m.category) && schemas.cached(m.id) !== undefined)
        .slice(0, CACHED)
        .map((m) => m.id)
    : [];
  return [...new Set([mode.defaultModel, ...found, ...cached])].filter(
    (id) => id !== exclude && catalogue.models.has(id),
  );
}

/** The candidates that take everything asked, in candidate order (judged at once; schemas are cached after). */
async function fitting(
  deps: PlanDeps,
  catalogue: Catalogue,
  mode: MediaMode,
  exclude: string,
  judge: (id: string) => Promise<Fit>,
): Promise<Fit[]> {
  const fits = await Promise.all(
    candidates(catalogue, mode, exclude, deps.schemas).map((id) => judge(id).catch(() => undefined)),
  );
  return fits.filter((f): f is Fit => f !== undefined && f.unfit.length === 0 && f.mapped.unmet.length === 0);
}

/** Up to three of the models that take everything asked, cheapest first when the caller's prices are cached. */
function cheapestFirst(deps: PlanDeps, fits: readonly Fit[], caller: KeyedCaller): string[] {
  const ids = fits.map((f) => f.model);
  const price = (id: string) => deps.pricing.cached(caller, id);
  const ranked = ids.every((id) => price(id))
    ? ids.sort((a, b) => (price(a)?.unit_price ?? 0) - (price(b)?.unit_price ?? 0))
    : ids;
  return ranked.slice(0, 3).map((id) => {
    const p = price(id);
    return p ? `${id} ($${p.unit_price}/${p.unit})` : id;
  });
}

/** What was asked that the model cannot do, what it would do instead, who can, and the escape. */
function refusal(req: MediaRequest, fit: Fit, alternatives: readonly string[] | undefined): UserError {
  const lines = [
    ...fit.unfit.map((why) => `- ${why}`),
    ...fit.mapped.unmet.map((u) => `- ${describeUnmet(fit.model, u)}`),
  ];
  return new UserError(
    `Not submitted, nothing billed: ${fit.model} cannot do all that was asked.\n${lines.join('\n')}\n` +
      (alternatives === undefined
        ? 'Pick one of its own.'
        : alternatives.length
          ? `Models of this kind that take it: ${alternatives.join(', ')} (pass one as model).`
          : `No other model for ${req.mode.label} looked at here takes it all.`) +
      // Nearest values cannot make a model do another kind of work: the escape is offered only where it helps.
      (fit.unfit.length === 0
        ? ` Or pass accept_nearest: true to run ${fit.model} with its nearest values (what it lacks left out).`
        : ''),
  );
}

import type { Caller, KeyedCaller } from '../auth/caller.js';
import type { Privacy } from '../fal/queue.js';
import { assertFalCanFetch } from '../jobs/fal-urls.js';
import type { Asked, JobRecord } from '../jobs/job-record.js';
import type { JobService } from '../jobs/job-service.js';
import type { JobView } from '../jobs/job-view.js';
import type { SpendConfirmations } from '../jobs/spend-confirmations.js';
import type { ToolOutput } from '../lib/tool-output.js';
import type { Logger } from '../log.js';
import type { PreviewMaker } from '../media/previews.js';
import { resultChecks } from './asked.js';
import { type CallSite, type Interaction, submitConfirmed } from './confirm.js';
import { type MediaRequest, type PlanDeps, planMediaRun, type RunPlan } from './plan-media.js';
import { type JobOutput, jobToolOutput, type Presenter, privacyNotes } from './present.js';

/** How a run goes: how long to wait, what it may cost, its retry key, previews, webhook. */
export interface RunOptions {
  waitSeconds?: number | undefined;
  maxCostUsd?: number | undefined;
  /** Ask the user above this estimate (stricter than the operator's CONFIRM_COST_ABOVE_USD only). */
  confirmAboveUsd?: number | undefined;
  idempotencyKey?: string | undefined;
  /** Inline previews of the result's images (default true). */
  preview?: boolean | undefined;
  webhookUrl?: string | undefined;
  /** What fal keeps of the run (the operator's defaults fill what is not said). */
  privacy?: Privacy | undefined;
}

/** What a run needs from the call it serves. */
export interface RunContext {
  /** Aborted when the client cancels or disconnects. */
  signal: AbortSignal;
  progress(progress: number, total?: number, message?: string): Promise<void>;
  interaction: Interaction;
  call: CallSite;
  /** The call's logger (audit lines carry its request id). */
  logger?: Logger | undefined;
}

/** The job a result is about: the tool that started it and what was asked of it. */
export interface JobOrigin {
  tool?: string | undefined;
  asked?: Asked | undefined;
  estimate?: { usd: number; basis: string } | undefined;
  privacy?: JobRecord['privacy'];
}

/** The job with what it was estimated to cost before it ran. */
function withEstimate<V extends JobView>(view: V, origin: JobOrigin | undefined): V {
  if (!origin?.estimate) return view;
  return { ...view, estimated_cost_usd: origin.estimate.usd, cost_basis: origin.estimate.basis };
}

export interface RunDeps {
  jobs: JobService;
  confirmations: SpendConfirmations;
  previews: PreviewMaker;
  plan: PlanDeps;
  /** FETCH_ALLOW_HOSTS: development hosts fal may be sent to although they look private. */
  allowHosts?: readonly string[] | undefined;
  /** How tools show their finished jobs beyond the common view, by tool name. */
  presenters?: ReadonlyMap<string, Presenter> | undefined;
}

/**
 * The one owner of a model run: plan (model and input), submit (spend guard,
 * confirmation, idempotency), wait (stream, progress), hand-off (a handle, or
 * an MCP task for clients that asked) and presentation, the same wherever the
 * result is read (the call itself, check_job, tasks/get, after a webhook).
 */
export class RunService {
  constructor(private readonly deps: RunDeps) {}

  /** Choose the model and map the caller's values onto it, or refuse before anything is billed. */
  planMedia(req: MediaRequest, caller: KeyedCaller, signal?: AbortSignal): Promise<RunPlan> {
    // The tool's own URL arguments are checked before a model is even looked up (as run_model's are).
    assertFalCanFetch(req.given, this.deps.allowHosts);
    return planMediaRun(this.deps.plan, req, caller, signal);
  }

  /** Submit and wait up to the wait; the result, or a handle on the job still running. */
  async run(
    plan: RunPlan,
    options: RunOptions,
    caller: KeyedCaller,
    ctx: RunContext,
  ): Promise<ToolOutput<JobOutput>> {
    const { jobs } = this.deps;
    const waitSeconds = jobs.clampWait(options.waitSeconds);
    const submission = await this.#submit(plan, options, caller, ctx, Date.now() + waitSeconds * 1000);
    const { model, requestId } = submission.record;
    // The first progress carries the request id: a client that gives up still knows what to check.
    await ctx.progress(
      0,
      undefined,
      `Submitted ${model} as request ${requestId}` +
        (submission.queuePosition !== undefined ? ` (queue position ${submission.queuePosition})` : '') +
        '. If this call is cut off, use check_job with this model and request_id.',
    );
    const view = await jobs.follow(model, requestId, caller, submission.record, {
      waitSeconds,
      logs: false,
      signal: ctx.signal,
      progress: (step, message) => ctx.progress(step, undefined, message),
      firstPollDelayMs: submission.fresh ? 500 : 0,
    });
    view.notes.unshift(...plan.notes, ...submission.notes);
    return this.present(view, submission.record, caller, {
      waitedSeconds: waitSeconds,
      preview: options.preview ?? true,
      signal: ctx.signal,
    });
  }

  /** Submit and hand the job back at once (submit_job). */
  async submit(
    plan: RunPlan,
    options: RunOptions,
    caller: KeyedCaller,
    ctx: RunContext,
  ): Promise<ToolOutput<JobOutput>> {
    const submission = await this.#submit(plan, options, caller, ctx, undefined);
    const { model, requestId } = submission.record;
    const view: JobView = {
      model,
      request_id: requestId,
      status: 'IN_QUEUE',
      ...(submission.queuePosition !== undefined ? { queue_position: submission.queuePosition } : {}),
      media: [],
      notes: [...plan.notes, ...submission.notes, ...privacyNotes(submission.record.privacy, 'IN_QUEUE')],
    };
    return jobToolOutput(withEstimate(view, submission.record));
  }

  /**
   * A job as the tool that started it shows it: the common view, what came back
   * checked against what was asked, previews of its images unless turned off,
   * and the tool's own presentation (a transcript).
   */
  async present(
    view: JobView,
    origin: JobOrigin | undefined,
    caller: Caller,
    options: { waitedSeconds?: number; preview: boolean; signal: AbortSignal },
  ): Promise<ToolOutput<JobOutput>> {
    view.notes.push(...privacyNotes(origin?.privacy, view.status));
    if (view.status === 'COMPLETED') {
      view.notes.push(...resultChecks(origin?.asked, view.media));
      if (options.preview) {
        const previews = await this.deps.previews.make(view.media, caller.tenant, options.signal);
        view.notes.push(...previews.notes);
        const output = this.#presented(view, origin, options.waitedSeconds);
        return previews.images.length ? { ...output, images: previews.images } : output;
      }
    }
    return this.#presented(view, origin, options.waitedSeconds);
  }

  #presented(view: JobView, origin: JobOrigin | undefined, waitedSeconds?: number): ToolOutput<JobOutput> {
    const output = jobToolOutput(withEstimate(view, origin), waitedSeconds);
    const presenter = origin?.tool ? this.deps.presenters?.get(origin.tool) : undefined;
    return presenter && view.status === 'COMPLETED' ? presenter(view, output) : output;
  }

  #submit(
    plan: RunPlan,
    options: RunOptions,
    caller: KeyedCaller,
    ctx: RunContext,
    deadline: number | undefined,
  ) {
    return submitConfirmed(
      { ...this.deps, balance: (who, signal) => this.deps.plan.pricing.balance(who, signal) },
      {
        model: plan.model,
        input: plan.input,
        webhookUrl: options.webhookUrl,
        maxCostUsd: options.maxCostUsd,
        confirmAboveUsd: options.confirmAboveUsd,
        idempotencyKey: options.idempotencyKey,
        deadline,
        tool: ctx.call.tool,
        asked: plan.asked,
        privacy: options.privacy,
      },
      caller,
      ctx,
    );
  }
}

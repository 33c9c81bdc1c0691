import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import type { Caller, KeyedCaller } from '../../auth/caller.js';
import { ForgottenJobError, UserError } from '../../errors.js';
import type { JobRecord } from '../../jobs/job-record.js';
import { type JobView, progressMessage } from '../../jobs/job-view.js';
import { LruTtlCache } from '../../lib/lru.js';
import type { JobHandle } from '../../lib/tool-output.js';
import type { Logger } from '../../log.js';
import type { Services } from '../../services.js';
import { describeError } from '../errors.js';
import { toCallToolResult } from '../results.js';
import { TaskIds, type TaskRef } from './task-ids.js';

/** Job records, and with them kept results, live a day (jobs/job-store.ts): so does a task. */
const TASK_TTL_MS = 24 * 60 * 60_000;

type TaskStatus = 'working' | 'completed' | 'cancelled' | 'failed';

export interface TaskState {
  taskId: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs?: number;
  result?: Record<string, unknown>;
  [key: string]: unknown;
}

const notFound = () =>
  new ProtocolError(ProtocolErrorCode.InvalidParams, 'Failed to retrieve task: Task not found');

/**
 * The Tasks extension over fal's queue: a run still pending after its wait
 * becomes a task whose id seals the job (task-ids.ts), so fal's queue is the
 * durable store and any machine answers. tasks/get reports the job as
 * check_job would, the finished result inlined; tasks/cancel cancels at fal.
 */
export class TaskService {
  /** Pending views by tenant and request, for 1.5 s. */
  readonly #recent = new LruTtlCache<string, JobView>(4096, 1_500, () => this.now());

  constructor(
    private readonly ids: TaskIds,
    private readonly services: Services,
    private readonly now: () => number = Date.now,
  ) {}

  static create(
    secrets: ConstructorParameters<typeof TaskIds>[0],
    services: Services,
    now: () => number = Date.now,
  ): TaskService {
    return new TaskService(new TaskIds(secrets), services, now);
  }

  /** The CreateTaskResult for a job handed back pending (the job is already durable at fal). */
  created(caller: Caller, view: JobHandle, tool: string) {
    const createdAt = this.now();
    const taskId = this.ids.seal(caller, { model: view.model, requestId: view.request_id, createdAt, tool });
    const at = new Date(createdAt).toISOString();
    return {
      resultType: 'task' as const,
      taskId,
      status: 'working' as const,
      statusMessage:
        `${view.model} request ${view.request_id} is ${view.status === 'IN_QUEUE' ? 'in queue' : 'running'}` +
        (view.estimated_cost_usd !== undefined ? ` (estimated $${view.estimated_cost_usd})` : ''),
      createdAt: at,
      lastUpdatedAt: at,
      ttlMs: TASK_TTL_MS,
      pollIntervalMs: view.status === 'IN_QUEUE' ? 5_000 : 2_000,
    };
  }

  async get(caller: Caller, taskId: string, signal: AbortSignal, log?: Logger): Promise<TaskState> {
    const logger = log ?? this.services.logger;
    const { ref, keyed } = this.#open(caller, taskId);
    // A client polling fast is answered from a status fetched moments ago: one status call at fal per job and second.
    const recentKey = `${keyed.tenant}\n${ref.requestId}`;
    let view = this.#recent.get(recentKey);
    let record: JobRecord | undefined;
    if (!view) {
      try {
        ({ record } = await this.services.jobs.locate(keyed, ref.requestId, ref.model));
        view = await this.services.jobs.follow(ref.model, ref.requestId, keyed, record, {
          waitSeconds: 0,
          logs: false,
          signal,
          progress: async () => undefined,
        });
      } catch (error) {
        throw this.#failure(error, logger);
      }
      if (view.status === 'IN_QUEUE' || view.status === 'IN_PROGRESS') this.#recent.set(recentKey, view);
    }
    const base = this.#base(taskId, ref);
    if (view.status === 'IN_QUEUE' || view.status === 'IN_PROGRESS') {
      return {
        ...base,
        status: 'working',
        statusMessage: progressMessage(ref.requestId, {
          status: view.status,
          ...(view.queue_position !== undefined ? { queue_position: view.queue_position } : {}),
        }),
        pollIntervalMs: view.status === 'IN_QUEUE' ? 5_000 : 2_000,
      };
    }
    if (view.status === 'CANCELLED') {
      return {
        ...base,
        status: 'cancelled',
        statusMessage: `${ref.model} request ${ref.requestId} was cancelled`,
      };
    }
    // Completed, or failed at fal: either way the tool call completed, with check_job's result (a failed
    // model is a result, not a JSON-RPC error).
    // Presented as the tool that started the job presents it (a transcript comes back as a transcript).
    const output = await this.services.runs.present(view, record ?? { tool: ref.tool }, keyed, {
      preview: true,
      signal,
    });
    return {
      ...base,
      status: 'completed',
      statusMessage: `${ref.model} request ${ref.requestId} ${view.status === 'COMPLETED' ? 'completed' : 'failed'}`,
      result: toCallToolResult(output) as Record<string, unknown>,
    };
  }

  async cancel(caller: Caller, taskId: string, signal: AbortSignal, log?: Logger): Promise<void> {
    const logger = log ?? this.services.logger;
    const { ref, keyed } = this.#open(caller, taskId);
    try {
      await this.services.jobs.cancel(ref.model, ref.requestId, keyed, signal);
    } catch (error) {
      throw this.#failure(error, logger);
    }
  }

  /** No task here ever asks for input, so there is nothing outstanding to answer: the id is only checked. */
  update(caller: Caller, taskId: string): void {
    this.#open(caller, taskId);
  }

  #open(caller: Caller, taskId: string): { ref: TaskRef; keyed: KeyedCaller } {
    const ref = caller.key ? this.ids.open(caller, taskId) : undefined;
    // Another tenant's id, a tampered one and a made-up one all look the same: not found.
    if (!ref || !caller.key) throw notFound();
    return { ref, keyed: caller as KeyedCaller };
  }

  #base(taskId: string, ref: TaskRef) {
    return {
      taskId,
      createdAt: new Date(ref.createdAt).toISOString(),
      lastUpdatedAt: new Date(this.now()).toISOString(),
      ttlMs: TASK_TTL_MS,
    };
  }

  #failure(error: unknown, logger: Logger): ProtocolError {
    // fal forgot the job before anyone kept its result: the task is gone.
    if (error instanceof ForgottenJobError) {
      return new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Failed to retrieve task: Task has expired (${error.message})`,
      );
    }
    const report = describeError(error, 'task');
    if (report.internal) logger.error('task request failed', { error });
    return new ProtocolError(
      error instanceof UserError ? ProtocolErrorCode.InvalidParams : ProtocolErrorCode.InternalError,
      report.text,
    );
  }
}

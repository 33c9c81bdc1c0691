import { randomBytes } from 'node:crypto';
import * as v from 'valibot';
import type { Caller } from '../../auth/caller.js';
import { Sealer } from '../../lib/seal.js';
import { Secret } from '../../lib/secret.js';

/** What a task id carries: whose job, which model, fal's request id, when the task began (epoch s). */
export interface TaskRef {
  model: string;
  requestId: string;
  createdAt: number;
  /** The tool that started the job: any machine presents the result as that tool does. */
  tool?: string | undefined;
}

const Payload = v.object({
  t: v.string(),
  m: v.string(),
  r: v.string(),
  c: v.number(),
  o: v.optional(v.string()),
});

/**
 * Task ids are sealed (AES-256-GCM) over the tenant fingerprint, the model and
 * fal's request id: any machine with the same TASKS_SECRET answers tasks/get
 * without shared storage, an id cannot be forged or altered, and one tenant's
 * id opens for no other tenant. The id is the same on every poll.
 */
export class TaskIds {
  readonly #sealer: Sealer;

  constructor(secrets: readonly Secret[]) {
    // Without TASKS_SECRET a secret is made per process: tasks then live on one machine only.
    const keys = secrets.length > 0 ? secrets : [new Secret(randomBytes(32).toString('base64url'))];
    this.#sealer = new Sealer(keys, 'fal-mcp-tasks');
  }

  seal(caller: Caller, ref: TaskRef): string {
    return this.#sealer.seal('task', {
      t: caller.tenant,
      m: ref.model,
      r: ref.requestId,
      c: ref.createdAt,
      ...(ref.tool ? { o: ref.tool } : {}),
    });
  }

  /** The task's job, or undefined when the id is not ours, was altered, or belongs to another tenant. */
  open(caller: Caller, taskId: string): TaskRef | undefined {
    if (taskId.length > 1024) return undefined;
    const parsed = v.safeParse(Payload, this.#sealer.open('task', taskId));
    if (!parsed.success || parsed.output.t !== caller.tenant) return undefined;
    const { m: model, r: requestId, c: createdAt, o: tool } = parsed.output;
    return { model, requestId, createdAt, ...(tool ? { tool } : {}) };
  }
}

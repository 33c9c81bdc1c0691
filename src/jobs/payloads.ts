import type { KeyedCaller } from '../auth/caller.js';
import { UserError } from '../errors.js';
import type { FalClient } from '../fal/client.js';
import { FalError } from '../fal/errors.js';
import { deletePayloads } from '../fal/platform.js';
import { assertRequestId } from '../fal/queue-paths.js';
import type { Logger } from '../log.js';
import type { JobStore } from './job-store.js';

export type PayloadDeletionReport = {
  request_id: string;
  /** CDN files fal deleted. */
  deleted: string[];
  /** CDN files fal could not delete, with its reason. */
  failed: { link: string; error: string }[];
};

/**
 * Delete a request's stored payloads and output files at fal (admin keys), and
 * forget the outcome kept here, so no later check_job hands out links to files
 * that are gone. Under an operator's shared key only the access token that
 * started the job may delete it: the account is shared, the jobs are not.
 */
export class PayloadDeleter {
  constructor(private readonly deps: { fal: FalClient; store: JobStore; logger: Logger }) {}

  /** One request's payloads; its refusal is thrown (the one-request form of delete_payloads answers with it). */
  async delete(caller: KeyedCaller, requestId: string, signal?: AbortSignal): Promise<PayloadDeletionReport> {
    const said = { tenant: caller.tenant, tool: 'delete_payloads', request_id: requestId };
    try {
      const report = await this.#delete(caller, requestId, signal);
      this.deps.logger.audit('delete', { ...said, outcome: 'deleted' });
      return report;
    } catch (error) {
      const outcome =
        error instanceof AlreadyGone ? 'already_gone' : error instanceof NotYours ? 'refused' : 'failed';
      this.deps.logger.audit('delete', { ...said, outcome });
      throw error;
    }
  }

  async #delete(
    caller: KeyedCaller,
    requestId: string,
    signal?: AbortSignal,
  ): Promise<PayloadDeletionReport> {
    assertRequestId(requestId);
    if (caller.mode === 'shared-key' && !(await this.deps.store.find(caller.tenant, requestId))) {
      throw new NotYours(
        `Request ${requestId} is not among the jobs this access token started here, so its payloads are not yours to delete.`,
      );
    }
    let answer: Awaited<ReturnType<typeof deletePayloads>>;
    try {
      answer = await deletePayloads(this.deps.fal, requestId, caller, signal);
    } catch (error) {
      if (!(error instanceof FalError) || error.kind !== 'not_found') throw error;
      // Already deleted (a retry after a lost answer), expired, or another account's: fal has nothing.
      // Any links kept here point at nothing either way.
      await this.deps.store.forgetOutcome(caller.tenant, requestId);
      throw new AlreadyGone(
        `fal has no stored payloads for request ${requestId} under this key: already deleted, past fal's retention, or submitted with another key. Nothing was deleted now.`,
      );
    }
    await this.deps.store.forgetOutcome(caller.tenant, requestId);
    const results = answer.cdn_delete_results ?? [];
    return {
      request_id: requestId,
      deleted: results.filter((r) => !r.exception).map((r) => r.link),
      failed: results.flatMap((r) => (r.exception ? [{ link: r.link, error: r.exception }] : [])),
    };
  }

  /**
   * Several requests (up to 50), a few at a time, each reported on its own:
   * deleted, already gone, refused (not this token's, still running) or failed.
   * A key fal refuses (not an admin key) ends the whole call.
   */
  async deleteMany(caller: KeyedCaller, requestIds: readonly string[], signal?: AbortSignal) {
    const reports: BulkDeletion[] = [];
    const queue = [...new Set(requestIds)];
    const worker = async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        reports.push(await this.#settled(caller, id, signal));
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, queue.length) }, worker));
    const order = new Map(requestIds.map((id, i) => [id, i]));
    return reports.sort((a, b) => (order.get(a.request_id) ?? 0) - (order.get(b.request_id) ?? 0));
  }

  async #settled(caller: KeyedCaller, requestId: string, signal?: AbortSignal): Promise<BulkDeletion> {
    try {
      return { ...(await this.delete(caller, requestId, signal)), outcome: 'deleted' };
    } catch (error) {
      const none = { request_id: requestId, deleted: [], failed: [] };
      if (error instanceof AlreadyGone) return { ...none, outcome: 'already_gone', reason: error.message };
      if (error instanceof NotYours) return { ...none, outcome: 'refused', reason: error.message };
      if (error instanceof FalError && (error.status === 401 || error.status === 403)) throw error;
      if (error instanceof UserError || error instanceof FalError) {
        return { ...none, outcome: 'failed', reason: error.message };
      }
      throw error;
    }
  }
}

export type BulkDeletion = PayloadDeletionReport & {
  outcome: 'deleted' | 'already_gone' | 'refused' | 'failed';
  reason?: string;
};

/** fal holds nothing for the request (deleted before, expired, or another key's). */
class AlreadyGone extends UserError {}
/** Under a shared key: a request this access token did not start. */
class NotYours extends UserError {}

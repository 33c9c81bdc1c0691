import { UserError } from '../errors.js';
import { FalError } from '../fal/errors.js';
import type { SharedStore } from '../store/store.js';
import { StoreUnavailableError } from '../store/store.js';
import type { CostEstimate } from './cost-model.js';

/** Amounts are kept in millionths of a dollar: integers, so every machine adds the same. */
const MICRO = 1_000_000;
const DAY_MS = 86_400_000;

export interface BudgetStanding {
  dailyUsd: number;
  spentUsd: number;
  leftUsd: number;
  /** The next 00:00 UTC, ISO 8601. */
  resetsAt: string;
}

/**
 * TENANT_DAILY_BUDGET_USD: a ceiling on what each tenant's runs are estimated
 * to cost per UTC day, held in the shared store so it holds across machines.
 * A run reserves its estimate before it is submitted (atomically: two runs
 * cannot both take the last dollars) and gives it back if fal never took it.
 */
export class DailyBudget {
  constructor(
    private readonly store: SharedStore,
    readonly dailyUsd: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Run `submit` inside the budget: refused before anything is sent when the
   * estimate does not fit (or cannot be made, or the store cannot say), given
   * back when the submit fails before fal accepted it.
   */
  async within<T>(
    tenant: string,
    model: string,
    estimate: CostEstimate | undefined,
    why: string | undefined,
    submit: () => Promise<T>,
  ): Promise<T> {
    if (!estimate) {
      throw new UserError(
        `Not submitted: this server holds each caller to a daily budget of $${this.dailyUsd}, and ${model} could not be estimated (${why ?? 'no price'}), so it cannot be counted against it. Nothing was charged.`,
      );
    }
    const amount = Math.max(1, Math.round(estimate.usd * MICRO));
    const key = this.#key(tenant);
    const taken = await this.store
      .addWithin(key, amount, Math.round(this.dailyUsd * MICRO), 2 * DAY_MS)
      .catch((error: unknown) => {
        if (!(error instanceof StoreUnavailableError)) throw error;
        throw new UserError(
          'Not submitted: the daily budget cannot be checked right now (shared store unavailable). Nothing was charged; try again shortly.',
        );
      });
    if (!taken.added) {
      const spent = taken.total / MICRO;
      throw new OverBudget(
        `Not submitted: ${model} is estimated at $${estimate.usd} (${estimate.basis}), more than is left of your daily budget on this server: $${round(this.dailyUsd - spent)} of $${this.dailyUsd} (estimates of today's runs: $${round(spent)}). The budget resets at ${this.#resetsAt()}. Nothing was charged.`,
      );
    }
    try {
      return await submit();
    } catch (error) {
      // Cut off after sending: fal may have taken it, so it stays counted.
      if (!(error instanceof FalError && error.ambiguous)) {
        await this.store.addWithin(key, -amount, Number.MAX_SAFE_INTEGER, 2 * DAY_MS).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Where the tenant stands today (get_account); undefined when the store cannot say. */
  async standing(tenant: string): Promise<BudgetStanding | undefined> {
    const raw = await this.store.get(this.#key(tenant)).then(
      (value) => value ?? '0',
      () => undefined,
    );
    if (raw === undefined) return undefined;
    const spentUsd = round((Number(raw) || 0) / MICRO);
    return {
      dailyUsd: this.dailyUsd,
      spentUsd,
      leftUsd: round(Math.max(0, this.dailyUsd - spentUsd)),
      resetsAt: this.#resetsAt(),
    };
  }

  #key(tenant: string): string {
    return `budget:${tenant}:${new Date(this.now()).toISOString().slice(0, 10)}`;
  }

  #resetsAt(): string {
    const day = Math.floor(this.now() / DAY_MS) * DAY_MS;
    return new Date(day + DAY_MS).toISOString();
  }
}

/** A run refused because it would pass the tenant's daily budget. */
export class OverBudget extends UserError {}

const round = (usd: number) => Math.round(usd * 10_000) / 10_000;

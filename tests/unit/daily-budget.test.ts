import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { FalError } from '../../src/fal/errors.js';
import { DailyBudget } from '../../src/jobs/daily-budget.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { SwitchableStore } from '../helpers/stores.js';

const estimate = (usd: number) => ({ usd, basis: 'test' });
const ok = async () => 'submitted';

describe('the daily budget (TENANT_DAILY_BUDGET_USD)', () => {
  it('takes runs until the next would pass it, per tenant, and resets at 00:00 UTC', async () => {
    let now = Date.parse('2026-12-03T23:59:00Z');
    const budget = new DailyBudget(new MemoryStore(() => now), 1, () => now);
    expect(await budget.within('t1', 'm', estimate(0.4), undefined, ok)).toBe('submitted');
    expect(await budget.within('t1', 'm', estimate(0.4), undefined, ok)).toBe('submitted');
    const refused = budget.within('t1', 'm', estimate(0.4), undefined, ok);
    await expect(refused).rejects.toThrow(UserError);
    await expect(refused).rejects.toThrow(
      /\$0\.2 of \$1 \(estimates of today's runs: \$0\.8\)\. The budget resets at 2026-12-04T00:00:00\.000Z\. Nothing was charged\./,
    );
    // Another tenant has its own.
    expect(await budget.within('t2', 'm', estimate(0.9), undefined, ok)).toBe('submitted');
    expect(await budget.standing('t1')).toEqual({
      dailyUsd: 1,
      spentUsd: 0.8,
      leftUsd: 0.2,
      resetsAt: '2026-12-04T00:00:00.000Z',
    });
    now += 2 * 60_000; // a new UTC day
    expect(await budget.within('t1', 'm', estimate(0.9), undefined, ok)).toBe('submitted');
  });

  it('gives the estimate back when fal refused the submit, and keeps it when the submit was cut off', async () => {
    const budget = new DailyBudget(new MemoryStore(), 1);
    const refusedByFal = new FalError({ kind: 'validation', message: 'bad input', status: 422 });
    await expect(
      budget.within('t', 'm', estimate(0.5), undefined, () => Promise.reject(refusedByFal)),
    ).rejects.toBe(refusedByFal);
    expect((await budget.standing('t'))?.spentUsd).toBe(0);
    const cutOff = new FalError({ kind: 'unavailable', message: 'socket hang up', ambiguous: true });
    await expect(
      budget.within('t', 'm', estimate(0.5), undefined, () => Promise.reject(cutOff)),
    ).rejects.toBe(cutOff);
    expect((await budget.standing('t'))?.spentUsd).toBe(0.5);
  });

  it('refuses, before anything is sent, a run it cannot count: no estimate, or the store down', async () => {
    const store = new SwitchableStore();
    const budget = new DailyBudget(store, 1);
    let sent = 0;
    const send = async () => ++sent;
    await expect(
      budget.within('t', 'fal-ai/x', undefined, 'fal lists no price for it', send),
    ).rejects.toThrow(
      /fal-ai\/x could not be estimated \(fal lists no price for it\), so it cannot be counted against it/,
    );
    store.down = true;
    await expect(budget.within('t', 'm', estimate(0.1), undefined, send)).rejects.toThrow(
      /the daily budget cannot be checked right now/,
    );
    expect(sent).toBe(0);
    expect(await budget.standing('t')).toBeUndefined();
  });
});

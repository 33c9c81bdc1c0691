import { describe, expect, it } from 'vitest';
import { BreakerBoard } from '../../src/fal/breaker.js';
import { FalError } from '../../src/fal/errors.js';
import { ByteBudget } from '../../src/lib/byte-budget.js';

function board(opts: Partial<{ threshold: number; quorum: number; maxTenantCircuits: number }> = {}) {
  let now = 0;
  const b = new BreakerBoard(
    ['queue.submit', 'pricing'] as const,
    { threshold: 3, cooldownMs: 1000, quorum: 2, now: () => now, ...opts },
    (r) => r,
  );
  return { b, advance: (ms: number) => (now += ms) };
}
const paused = (fn: () => void) => {
  try {
    fn();
    return false;
  } catch (error) {
    expect(error).toBeInstanceOf(FalError);
    return true;
  }
};

describe('BreakerBoard', () => {
  it("one tenant's failures open its own circuit only, on that route only", () => {
    const { b } = board();
    for (let i = 0; i < 5; i++) b.failure('queue.submit', 'a');
    expect(paused(() => b.before('queue.submit', 'a'))).toBe(true);
    expect(paused(() => b.before('queue.submit', 'b'))).toBe(false);
    expect(paused(() => b.before('pricing', 'a'))).toBe(false);
    expect(b.states()).toEqual({ 'queue.submit': 'closed', pricing: 'closed' });
    expect(b.openTenantCircuits()).toBe(1);
  });

  it('opens a route for everyone only with failures from the quorum of tenants in a row', () => {
    const { b } = board();
    b.failure('queue.submit', 'a');
    b.failure('queue.submit', 'a');
    b.success('queue.submit', 'c'); // someone else got through: fal is up
    b.failure('queue.submit', 'a');
    b.failure('queue.submit', 'b');
    expect(b.states()['queue.submit']).toBe('closed');
    b.failure('queue.submit', 'b');
    expect(b.states()['queue.submit']).toBe('open');
    expect(paused(() => b.before('queue.submit', 'someone-new'))).toBe(true);
  });

  it('after the cool-down one probe goes through; its success closes, its failure reopens', () => {
    const { b, advance } = board();
    for (const t of ['a', 'b', 'a']) b.failure('pricing', t);
    expect(b.states().pricing).toBe('open');
    advance(1000);
    expect(paused(() => b.before('pricing', 'x'))).toBe(false);
    expect(paused(() => b.before('pricing', 'y'))).toBe(true); // only one probe at a time
    b.failure('pricing', 'x');
    expect(b.states().pricing).toBe('open');
    advance(1000);
    b.before('pricing', 'z');
    b.success('pricing', 'z');
    expect(b.states().pricing).toBe('closed');
  });

  it('remembers a bounded number of tenant circuits: a flood of fresh tenants cannot grow it', () => {
    const { b } = board({ maxTenantCircuits: 100 });
    for (let i = 0; i < 10_000; i++) b.failure('pricing', `t${i}`);
    expect(b.openTenantCircuits()).toBeLessThanOrEqual(100);
  });
});

describe('ByteBudget', () => {
  it('lets small answers through free, and caps large ones in all and per tenant', () => {
    const budget = new ByteBudget(100, 60, 10);
    const a1 = budget.open('a');
    expect(a1.grow(10)).toBe(true); // free
    expect(budget.usedBytes).toBe(0);
    expect(a1.grow(60)).toBe(true);
    const a2 = budget.open('a');
    expect(a2.grow(30)).toBe(false); // a's share is used up
    const b1 = budget.open('b');
    expect(b1.grow(60)).toBe(true);
    const c1 = budget.open('c');
    expect(c1.grow(20)).toBe(false); // the whole budget is
    a1.release();
    expect(c1.grow(20)).toBe(true);
    b1.release();
    c1.release();
    expect(budget.usedBytes).toBe(0);
  });
});

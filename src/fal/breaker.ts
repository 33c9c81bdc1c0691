import { FalError } from './errors.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * A circuit: after `threshold` consecutive failures calls fail fast for
 * `cooldownMs`; then one probe goes through, and its outcome closes or reopens
 * it. With a `quorum`, the failures must also come from that many different
 * tenants before it opens, so no single tenant can open it for everyone.
 */
export class CircuitBreaker {
  #failures = 0;
  readonly #tenants = new Set<string>();
  #openedAt = 0;
  #state: BreakerState = 'closed';
  #probing = false;

  constructor(
    private readonly threshold: number,
    private readonly cooldownMs: number,
    private readonly quorum = 1,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.#state === 'open' && this.now() - this.#openedAt >= this.cooldownMs) return 'half-open';
    return this.#state;
  }

  get failures(): number {
    return this.#failures;
  }

  /** Seconds until a call is let through, or 0 when one may go now (the half-open probe included). */
  admit(): number {
    if (this.#state === 'closed') return 0;
    const elapsed = this.now() - this.#openedAt;
    if (this.#state === 'open' && elapsed >= this.cooldownMs) {
      this.#state = 'half-open';
      this.#probing = false;
    }
    if (this.#state === 'half-open' && !this.#probing) {
      this.#probing = true;
      return 0;
    }
    return Math.max(1, Math.ceil((this.cooldownMs - elapsed) / 1000));
  }

  success(): void {
    this.#failures = 0;
    this.#tenants.clear();
    this.#state = 'closed';
    this.#probing = false;
  }

  failure(tenant: string): void {
    this.#failures++;
    if (this.#tenants.size < this.quorum) this.#tenants.add(tenant);
    const enough = this.#failures >= this.threshold && this.#tenants.size >= this.quorum;
    if (this.#state === 'half-open' || enough) {
      this.#state = 'open';
      this.#openedAt = this.now();
      this.#probing = false;
    }
  }

  /** A call that ended without telling anything about fal's health (client abort, a model's own error). */
  release(): void {
    if (this.#state === 'half-open') this.#probing = false;
  }
}

export interface BreakerBoardOptions {
  threshold: number;
  cooldownMs: number;
  /** Distinct tenants whose failures it takes to open a route for everyone. */
  quorum: number;
  /** Tenant circuits remembered at most (a flood of fresh keys cannot grow memory). */
  maxTenantCircuits?: number;
  now?: () => number;
}

/**
 * Circuits per fal route family, at two scopes (docs/hardening.md):
 * - per route and tenant: a tenant whose calls keep failing is paused alone;
 * - per route for everyone: opens only when several tenants fail in a row, which
 *   is what an outage at fal looks like and what one hostile tenant cannot fake.
 * A route's failures never affect another route (search failing says nothing about pricing).
 */
export class BreakerBoard<Route extends string> {
  readonly #routes = new Map<Route, CircuitBreaker>();
  readonly #tenants = new Map<string, CircuitBreaker>();
  readonly #opts: Required<BreakerBoardOptions>;

  constructor(
    routes: readonly Route[],
    options: BreakerBoardOptions,
    private readonly label: (route: Route) => string,
  ) {
    this.#opts = { maxTenantCircuits: 10_000, now: Date.now, ...options };
    for (const route of routes) {
      this.#routes.set(
        route,
        new CircuitBreaker(options.threshold, options.cooldownMs, options.quorum, this.#opts.now),
      );
    }
  }

  /** Throws FalError when the route is paused for everyone or for this tenant. */
  before(route: Route, tenant: string): void {
    const shared = this.#route(route);
    const wait = shared.admit();
    if (wait > 0) {
      throw pausedError(
        `fal (${this.label(route)}) failed ${shared.failures} times in a row for several callers, so calls are paused (circuit open); next try in ${wait} s`,
        wait,
      );
    }
    const own = this.#tenants.get(tenantKey(route, tenant));
    const ownWait = own?.admit() ?? 0;
    if (ownWait > 0) {
      shared.release();
      throw pausedError(
        `fal (${this.label(route)}) failed ${own?.failures} times in a row for this key, so its calls there are paused (circuit open; other callers are not affected); next try in ${ownWait} s`,
        ownWait,
      );
    }
  }

  success(route: Route, tenant: string): void {
    this.#route(route).success();
    this.#tenants.delete(tenantKey(route, tenant));
  }

  failure(route: Route, tenant: string): void {
    this.#route(route).failure(tenant);
    const key = tenantKey(route, tenant);
    let own = this.#tenants.get(key);
    if (own) this.#tenants.delete(key);
    else own = new CircuitBreaker(this.#opts.threshold, this.#opts.cooldownMs, 1, this.#opts.now);
    own.failure(tenant);
    this.#tenants.set(key, own);
    while (this.#tenants.size > this.#opts.maxTenantCircuits) {
      const oldest = this.#tenants.keys().next();
      if (oldest.done) break;
      this.#tenants.delete(oldest.value);
    }
  }

  release(route: Route, tenant: string): void {
    this.#route(route).release();
    this.#tenants.get(tenantKey(route, tenant))?.release();
  }

  /** The shared circuit of every route. */
  states(): Record<Route, BreakerState> {
    return Object.fromEntries([...this.#routes].map(([route, b]) => [route, b.state])) as Record<
      Route,
      BreakerState
    >;
  }

  /** How many tenant circuits are open or probing right now. */
  openTenantCircuits(): number {
    let open = 0;
    for (const b of this.#tenants.values()) if (b.state !== 'closed') open++;
    return open;
  }

  #route(route: Route): CircuitBreaker {
    const b = this.#routes.get(route);
    if (!b) throw new Error(`unknown fal route ${route}`);
    return b;
  }
}

const tenantKey = (route: string, tenant: string) => `${route}\n${tenant}`;

const pausedError = (message: string, retryAfterSeconds: number) =>
  new FalError({ kind: 'unavailable', message, retryAfterSeconds, circuitOpen: true });

import type { Secret } from '../lib/secret.js';
import { revealAll } from '../log-secrets.js';
import { BreakerBoard, type BreakerState } from './breaker.js';
import type { FalError } from './errors.js';
import { isFalHealthEvidence, toFalError } from './failures.js';
import { ALL_ROUTES, FAL_ROUTES, type FalApi, type FalRoute } from './routes.js';

/** What the guard needs to know of a call that failed. */
export interface GuardedCall {
  route: FalRoute;
  as: { key: Secret | undefined; tenant: string };
  method: string;
  signal?: AbortSignal | undefined;
}

export interface CallGuardOptions {
  threshold?: number | undefined;
  cooldownMs?: number | undefined;
  quorum?: number | undefined;
  now?: (() => number) | undefined;
  /** Told about every call: which API, how it ended ('ok' or an error kind), how long it took. */
  observe?: ((api: FalApi, outcome: string, seconds: number) => void) | undefined;
  /** Told when fal refuses a tenant's key outright (401 outside admin-only routes). */
  onKeyRefused?: ((tenant: string) => void) | undefined;
}

/**
 * Around every call to fal: the circuits (per route and tenant) it must pass
 * first, what its outcome says about fal's health, and the metrics it feeds.
 * The fal client and the storage sender share one.
 */
export class CallGuard {
  readonly #breakers: BreakerBoard<FalRoute>;
  readonly observe: NonNullable<CallGuardOptions['observe']>;
  readonly #onKeyRefused: CallGuardOptions['onKeyRefused'];

  constructor(options: CallGuardOptions) {
    this.observe = options.observe ?? (() => undefined);
    this.#onKeyRefused = options.onKeyRefused;
    this.#breakers = new BreakerBoard(
      ALL_ROUTES,
      {
        threshold: options.threshold ?? 5,
        cooldownMs: options.cooldownMs ?? 10_000,
        quorum: options.quorum ?? 3,
        ...(options.now ? { now: options.now } : {}),
      },
      (route) => FAL_ROUTES[route].label,
    );
  }

  states(): { routes: Record<FalRoute, BreakerState>; openTenantCircuits: number } {
    return { routes: this.#breakers.states(), openTenantCircuits: this.#breakers.openTenantCircuits() };
  }

  /** Throws when the route's circuit (shared or the tenant's) is open. */
  admit(route: FalRoute, tenant: string, api: FalApi): void {
    try {
      this.#breakers.before(route, tenant);
    } catch (error) {
      this.observe(api, 'circuit_open', 0);
      throw error;
    }
  }

  /** fal answered: it is up. */
  succeeded(route: FalRoute, tenant: string): void {
    this.#breakers.success(route, tenant);
  }

  /** The call ended for a reason that says nothing about fal (the caller's own source failed). */
  released(route: FalRoute, tenant: string): void {
    this.#breakers.release(route, tenant);
  }

  /** Turn a failed call into a FalError, and tell the circuits what it says about fal. */
  async failed(call: GuardedCall, error: unknown): Promise<FalError> {
    return this.settle(call, await toFalError(error, call.method !== 'GET', call.signal));
  }

  settle(call: GuardedCall, failure: FalError): FalError {
    const error = call.as.key ? failure.without(revealAll([call.as.key])) : failure;
    if (error.status === 401 && call.as.key && !FAL_ROUTES[call.route].needsPermission) {
      this.#onKeyRefused?.(call.as.tenant);
    }
    if (!call.signal?.aborted && isFalHealthEvidence(call.route, error)) {
      this.#breakers.failure(call.route, call.as.tenant);
    } else if (error.kind === 'unavailable' || error.kind === 'busy' || error.kind === 'too_large') {
      this.#breakers.release(call.route, call.as.tenant);
    } else {
      // fal answered (a 4xx, a model's error): it is up.
      this.#breakers.success(call.route, call.as.tenant);
    }
    return error;
  }
}

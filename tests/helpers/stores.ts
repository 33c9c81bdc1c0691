import { MemoryStore } from '../../src/store/memory-store.js';
import { type SharedStore, type StoreStatus, StoreUnavailableError } from '../../src/store/store.js';

/**
 * A store the test can take down: every command rejects with
 * StoreUnavailableError while `down` is set. Marked shared, so the
 * cross-machine protocols run over it as they would over Redis.
 */
export class SwitchableStore implements SharedStore {
  readonly kind = 'redis';
  readonly shared = true;
  down = false;
  calls = 0;

  constructor(readonly inner: SharedStore = new MemoryStore()) {}

  #gate<T>(run: () => Promise<T>): Promise<T> {
    this.calls++;
    if (this.down) return Promise.reject(new StoreUnavailableError('the shared store (test) is unavailable'));
    return run();
  }

  get(key: string) {
    return this.#gate(() => this.inner.get(key));
  }
  set(key: string, value: string, ttlMs: number) {
    return this.#gate(() => this.inner.set(key, value, ttlMs));
  }
  setIfAbsent(key: string, value: string, ttlMs: number) {
    return this.#gate(() => this.inner.setIfAbsent(key, value, ttlMs));
  }
  delete(key: string) {
    return this.#gate(() => this.inner.delete(key));
  }
  deleteIfEquals(key: string, value: string) {
    return this.#gate(() => this.inner.deleteIfEquals(key, value));
  }
  takeToken(key: string, rate: number, burst: number, cost?: number) {
    return this.#gate(() => this.inner.takeToken(key, rate, burst, cost));
  }
  pushCapped(key: string, value: string, maxItems: number, ttlMs: number) {
    return this.#gate(() => this.inner.pushCapped(key, value, maxItems, ttlMs));
  }
  addWithin(key: string, amount: number, limit: number, ttlMs: number) {
    return this.#gate(() => this.inner.addWithin(key, amount, limit, ttlMs));
  }
  list(key: string) {
    return this.#gate(() => this.inner.list(key));
  }
  async whenReady() {
    return !this.down;
  }
  status(): StoreStatus {
    return this.down
      ? { kind: 'redis', state: 'unreachable', lastError: 'test outage' }
      : { kind: 'redis', state: 'ok', lastError: undefined };
  }
  close() {
    return this.inner.close();
  }
}

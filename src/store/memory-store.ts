import type { SharedStore, StoreStatus } from './store.js';

interface Entry {
  value: string;
  expiresAt: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The default store: one process, no network. Bounded: past `maxEntries`, or
 * past `maxBytes` of values, the least recently written entries go first (a
 * dropped bucket is simply full again, which errs on the side of the caller).
 */
export class MemoryStore implements SharedStore {
  readonly kind = 'memory';
  readonly shared = false;
  readonly #entries = new Map<string, Entry>();
  readonly #buckets = new Map<string, Bucket>();

  #bytes = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
    private readonly maxBytes = 64 * 1024 * 1024,
  ) {}

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.#write(key, value, ttlMs);
  }

  #write(key: string, value: string, ttlMs: number): void {
    this.#drop(key);
    this.#entries.set(key, { value, expiresAt: this.now() + ttlMs });
    this.#bytes += value.length;
    while (this.#entries.size > this.maxEntries || this.#bytes > this.maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#drop(oldest.value);
    }
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key)) return false;
    await this.set(key, value, ttlMs);
    return true;
  }

  async delete(key: string): Promise<void> {
    if (this.#live(key)) this.#drop(key);
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    if (this.#live(key)?.value !== value) return false;
    this.#drop(key);
    return true;
  }

  async takeToken(key: string, ratePerSecond: number, burst: number, cost = 1): Promise<number> {
    const now = this.now();
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now };
    this.#buckets.delete(key);
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * ratePerSecond);
    bucket.at = now;
    let wait = 0;
    if (bucket.tokens >= cost) bucket.tokens -= cost;
    else wait = Math.max(1, Math.ceil((cost - bucket.tokens) / ratePerSecond));
    this.#buckets.set(key, bucket);
    trim(this.#buckets, this.maxEntries);
    return wait;
  }

  async pushCapped(key: string, value: string, maxItems: number, ttlMs: number): Promise<void> {
    // Read and write without yielding, so concurrent pushes never lose one another.
    const items = [value, ...this.#items(key)].slice(0, Math.max(1, maxItems));
    this.#write(key, JSON.stringify(items), ttlMs);
  }

  async addWithin(key: string, amount: number, limit: number, ttlMs: number) {
    const entry = this.#live(key);
    const current = Number(entry?.value ?? 0) || 0;
    const total = current + amount;
    if (amount > 0 && total > limit) return { added: false, total: current };
    // An existing counter keeps its expiry.
    this.#write(key, String(total), entry ? entry.expiresAt - this.now() : ttlMs);
    return { added: true, total };
  }

  async list(key: string): Promise<string[]> {
    return this.#items(key);
  }

  #items(key: string): string[] {
    const raw = this.#live(key)?.value;
    if (raw === undefined) return [];
    try {
      const items: unknown = JSON.parse(raw);
      return Array.isArray(items) ? items.filter((i): i is string => typeof i === 'string') : [];
    } catch {
      return [];
    }
  }

  async whenReady(): Promise<boolean> {
    return true;
  }

  status(): StoreStatus {
    return { kind: 'memory', state: 'ok', lastError: undefined };
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#buckets.clear();
    this.#bytes = 0;
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#bytes -= entry.value.length;
    this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > this.now()) return entry;
    this.#drop(key);
    return undefined;
  }
}

/** Drop the oldest entries past the cap (Map iteration order is insertion order). */
function trim(map: Map<string, unknown>, max: number): void {
  while (map.size > max) {
    const oldest = map.keys().next();
    if (oldest.done) return;
    map.delete(oldest.value);
  }
}

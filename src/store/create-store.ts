import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { MemoryStore } from './memory-store.js';
import type { SharedStore } from './store.js';

/**
 * Redis when REDIS_URL is set, else this process's memory. The Redis client is
 * imported only when used: loading it costs ~50 ms of every cold start.
 */
export async function createStore(config: Pick<Config, 'redis'>, logger: Logger): Promise<SharedStore> {
  if (!config.redis) return new MemoryStore();
  const { RedisStore } = await import('./redis-store.js');
  return new RedisStore({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger });
}

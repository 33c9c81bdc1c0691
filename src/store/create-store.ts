import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { MemoryStore } from './memory-store.js';
import { RedisStore } from './redis-store.js';
import type { SharedStore } from './store.js';

/** Redis when REDIS_URL is set, else this process's memory. */
export function createStore(config: Pick<Config, 'redis'>, logger: Logger): SharedStore {
  if (!config.redis) return new MemoryStore();
  return new RedisStore({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger });
}

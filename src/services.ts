import type { FalClient } from './fal/client.js';
import type { Logger } from './log.js';
import type { ModelRegistry } from './registry/registry.js';

/** Everything a tool may use, built once per process in app.ts. */
export interface Services {
  registry: ModelRegistry;
  fal: FalClient;
  logger: Logger;
}

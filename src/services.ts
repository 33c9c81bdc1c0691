import type { FalClient } from './fal/client.js';
import type { JobService } from './jobs/job-service.js';
import type { ConcurrencyLimiter } from './limits/concurrency.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics/metrics.js';
import type { FetchPolicy } from './net/safe-fetch.js';
import type { ModelSchemaService } from './registry/model-schemas.js';
import type { PricingService } from './registry/pricing.js';
import type { ModelRegistry } from './registry/registry.js';

/** Everything a tool may use, built once per process in app.ts. */
export interface Services {
  registry: ModelRegistry;
  schemas: ModelSchemaService;
  pricing: PricingService;
  jobs: JobService;
  /** Uploads running at once, per tenant and in all. */
  uploads: ConcurrencyLimiter;
  /** How upload_file fetches caller URLs. */
  fetchPolicy: FetchPolicy;
  fal: FalClient;
  logger: Logger;
  metrics: Metrics;
}

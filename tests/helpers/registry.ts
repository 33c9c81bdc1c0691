import { FalClient } from '../../src/fal/client.js';
import { Secret } from '../../src/lib/secret.js';
import { createLogger } from '../../src/log.js';
import { ModelRegistry } from '../../src/registry/registry.js';
import type { SharedCatalogue } from '../../src/registry/shared-catalogue.js';
import type { RunningEmulator } from '../emulator/app.js';

export interface RegistryFixture {
  registry: ModelRegistry;
  fal: FalClient;
  logs: () => Record<string, unknown>[];
}

/** A registry wired to the emulator, with its log lines captured. */
export function registryFor(
  emu: RunningEmulator,
  opts: {
    ttlSeconds?: number;
    crawlKey?: string;
    timeoutMs?: number;
    shared?: SharedCatalogue;
    sharedWaitMs?: number;
    now?: () => number;
  } = {},
): RegistryFixture {
  const lines: string[] = [];
  const fal = new FalClient({
    apiUrl: emu.apiUrl,
    queueUrl: emu.queueUrl,
    storageUrl: emu.storageUrl,
    timeoutMs: opts.timeoutMs ?? 2_000,
    retryLimit: 0,
  });
  const registry = new ModelRegistry({
    fal,
    crawlKey: opts.crawlKey ? new Secret(opts.crawlKey) : undefined,
    ttlSeconds: opts.ttlSeconds ?? 3600,
    logger: createLogger('debug', (l) => lines.push(l)),
    shared: opts.shared,
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.sharedWaitMs !== undefined ? { sharedWaitMs: opts.sharedWaitMs } : {}),
  });
  return { registry, fal, logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

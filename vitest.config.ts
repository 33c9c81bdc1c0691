import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// `npm test` runs every project; `npm run test:fast` all but the slow one (load, slowloris-scale
// waits, real clients); `npx vitest run --project unit` the unit tests alone, in seconds.
export default defineConfig({
  test: {
    environment: 'node',
    // `npx vitest --project unit` runs once, as `npm test` does; `npx vitest --watch` still watches.
    watch: false,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Vitest's default is one file at a time on 2 cores (cores - 1). Most of a test's time is spent
    // waiting on sockets, the emulator and child processes, not on the CPU: two at once took
    // `npm test` from 308 s to 187 s here (three: 170 s, with twice the contention).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // The JSON report lets .ci/run print "N passed, N failed" from vitest's own counts.
    // (scripts/test-node22.sh writes its own, so the two runs do not overwrite each other.)
    reporters: [
      'default',
      ['json', { outputFile: process.env.VITEST_REPORT ?? '.cache/vitest-report.json' }],
    ],
    projects: [
      // Logic alone: no server, emulator or Redis.
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      // One part against the emulator or a real Redis (the fal client, the store, the tool table).
      { extends: true, test: { name: 'integration', include: ['tests/integration/**/*.test.ts'] } },
      // Behaviour through real MCP clients against the app and the emulator.
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'] } },
      // Load and real third-party clients: minutes, not seconds; CI runs them with the rest.
      { extends: true, test: { name: 'slow', include: ['tests/slow/**/*.test.ts'] } },
    ],
  },
});

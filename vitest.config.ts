import { defineConfig } from 'vitest/config';

// `npm test` runs both projects; `npx vitest --project unit` runs the unit ones alone.
export default defineConfig({
  test: {
    environment: 'node',
    // `npx vitest --project unit` runs once, as `npm test` does; `npx vitest --watch` still watches.
    watch: false,
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // The JSON report lets .ci/run print "N passed, N failed" from vitest's own counts.
    // (scripts/test-node22.sh writes its own, so the two runs do not overwrite each other.)
    reporters: [
      'default',
      ['json', { outputFile: process.env.VITEST_REPORT ?? '.cache/vitest-report.json' }],
    ],
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['tests/e2e/**/*.test.ts'] } },
    ],
  },
});

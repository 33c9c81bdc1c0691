import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // The JSON report lets .ci/run print "N passed, N failed" from vitest's own counts.
    reporters: ['default', ['json', { outputFile: '.cache/vitest-report.json' }]],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // e2e tests start real sockets; keep files in parallel but each file's tests in order.
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});

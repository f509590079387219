import { defineConfig } from 'vitest/config';

// The cluster tier (npm run test:cluster): Kamailio and two Asterisk nodes on fixed loopback
// addresses and ports, so one file at a time, in one process.
export default defineConfig({
  test: {
    include: ['test/cluster/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['verbose'],
  },
});

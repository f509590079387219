import { defineConfig } from 'vitest/config';

// The real-Asterisk tier (npm run test:asterisk): one Asterisk on fixed loopback ports, so one
// file at a time, in one process.
export default defineConfig({
  test: {
    include: ['test/asterisk/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    reporters: ['verbose'],
  },
});

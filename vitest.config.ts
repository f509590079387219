import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-Asterisk and cluster tiers have their own commands (npm run test:asterisk,
    // test:cluster; vitest.asterisk.config.ts, vitest.cluster.config.ts).
    exclude: ['test/asterisk/**', 'test/cluster/**', 'node_modules/**'],
    testTimeout: 20000,
    pool: 'forks',
  },
});

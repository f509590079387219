import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-Asterisk tier has its own command (npm run test:asterisk, vitest.asterisk.config.ts).
    exclude: ['test/asterisk/**', 'node_modules/**'],
    testTimeout: 20000,
    pool: 'forks',
  },
});

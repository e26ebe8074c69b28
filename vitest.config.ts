import { defineConfig } from 'vitest/config';

// Two projects: unit tests under Node, and end-to-end tests that drive the built
// workbench in Debian's Chromium (playwright-core). `npm test` runs both.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          setupFiles: ['test/support/v8-flags.ts'],
          include: ['{shared,cli,electron,renderer,test}/**/*.test.ts'],
          exclude: ['node_modules/**', 'dist/**', 'test/e2e/**'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
    ],
  },
});

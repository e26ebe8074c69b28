import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared,cli,electron,renderer,test}/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', 'test/e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

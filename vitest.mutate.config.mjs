// The unit tests Stryker runs against each mutant of the verifier's core (stryker.config.mjs):
// the tests of shared/format, shared/engine and shared/archive and the fast suites that drive
// the whole engine (tamper table, command line), in Node. The slow ones (the single-byte
// property, the independent samples: minutes per mutant) are left out. TICKMARK_MUTATE_TESTS (comma-separated
// globs) narrows or widens the set for one run. `npm run mutate` uses it; `npm test` does not.
import { defineConfig } from 'vitest/config';

const DEFAULT_TESTS = [
  'shared/format/**/*.test.ts',
  'shared/engine/**/*.test.ts',
  'shared/archive/**/*.test.ts',
  'test/tamper-table.test.ts',
  'cli/main.test.ts',
  'cli/native-ed25519.test.ts',
  'cli/small-order-keys.test.ts',
];

export default defineConfig({
  test: {
    name: 'mutate',
    setupFiles: ['test/support/v8-flags.ts'],
    include: process.env.TICKMARK_MUTATE_TESTS?.split(',') ?? DEFAULT_TESTS,
    exclude: ['node_modules/**', 'dist/**', 'test/e2e/**', 'test/electron/**'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    pool: 'forks',
  },
});

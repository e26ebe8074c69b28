// @ts-check
import { fileURLToPath } from 'node:url';

/**
 * Mutation testing of the verifier's core (docs/TESTING.md): `npm run mutate`, or some files
 * with `npm run mutate -- --mutate 'shared/format/hash.ts,shared/format/bytes.ts'` (one option,
 * a comma-separated list: a second --mutate replaces the first, and braces are split at commas).
 * Slow (tens of minutes per folder on two cores), so it is not part of `npm test` or CI.
 */
// The tests find ../shared/samples next to the repository; in Stryker's sandbox copy that
// relative path is wrong, so it is passed on explicitly (test/support/shared-dir.ts).
process.env.TICKMARK_SHARED_DIR ??= fileURLToPath(new URL('../shared/', import.meta.url));

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutate.config.mjs', related: true },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: [
    'shared/format/**/*.ts',
    'shared/engine/**/*.ts',
    'shared/archive/**/*.ts',
    '!**/*.test.ts',
    '!**/*.test-helper.ts',
  ],
  coverageAnalysis: 'perTest',
  concurrency: 1,
  timeoutMS: 20_000,
  dryRunTimeoutMinutes: 30,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'test-results/mutation/index.html' },
  jsonReporter: { fileName: 'test-results/mutation/report.json' },
  ignorePatterns: ['dist', 'out', 'build', 'docs', 'electron', 'renderer', 'test-results', 'test/e2e', 'test/electron'],
  tempDirName: 'test-results/.stryker-tmp',
  cleanTempDir: true,
  thresholds: { high: 90, low: 80, break: null },
};

export default config;

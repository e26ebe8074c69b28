/**
 * The workplace's ../shared folder (samples made by an independent producer). It exists on
 * developer machines and in CI; where it does not, tests that need it say so and are skipped.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED_DIR = fileURLToPath(new URL('../../../shared/', import.meta.url));
export const SAMPLES_DIR = SHARED_DIR + 'samples/';
export const HAS_SAMPLES = existsSync(SAMPLES_DIR + 'cases.json');

if (!HAS_SAMPLES) {
  console.warn(
    `../shared/samples not found at ${SAMPLES_DIR}: the tests against the independent producer's sample archives are SKIPPED on this machine.`,
  );
}

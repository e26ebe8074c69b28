/**
 * The workplace's ../shared folder (samples made by an independent producer). It exists on
 * developer machines and in CI. Where it does not, the tests that need it are skipped and say
 * so, except under CI=true, where they fail: CI always has it, and a missing folder there
 * must not pass as a green run that checked nothing. TICKMARK_SHARED_DIR points elsewhere
 * (Stryker's sandbox copy of the repository is not next to ../shared).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SHARED_DIR = (
  process.env.TICKMARK_SHARED_DIR ?? fileURLToPath(new URL('../../../shared/', import.meta.url))
).replace(/\/?$/, '/');
export const SAMPLES_DIR = SHARED_DIR + 'samples/';
export const HAS_SAMPLES = existsSync(SAMPLES_DIR + 'cases.json');
/** True where the samples must be present (CI): their tests fail rather than skip. */
export const SAMPLES_REQUIRED = process.env.CI === 'true';
/** Whether the sample tests run; false only off CI, and then they are skipped with a warning. */
export const RUN_SAMPLE_TESTS = HAS_SAMPLES || SAMPLES_REQUIRED;

if (!HAS_SAMPLES) {
  console.warn(
    SAMPLES_REQUIRED
      ? `../shared/samples not found at ${SAMPLES_DIR}: under CI=true the tests against the independent producer's samples FAIL.`
      : `../shared/samples not found at ${SAMPLES_DIR}: the tests against the independent producer's sample archives are SKIPPED on this machine.`,
  );
}

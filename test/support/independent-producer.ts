/**
 * The independent producer (test/bench/independent-producer.py: Python, FORMAT.md only) as the
 * tests use it. It needs python3 with `cryptography` (Debian: python3-cryptography; .ci/run
 * installs it): where that is missing, a test on its archives is skipped off CI and says so, and
 * under CI=true it runs and fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const INDEPENDENT_PRODUCER = fileURLToPath(new URL('../bench/independent-producer.py', import.meta.url));

/** python3 with `cryptography` is here. */
export const HAS_PYTHON = spawnSync('python3', ['-c', 'import cryptography'], { stdio: 'ignore' }).status === 0;

/** Tests on the producer's archives run (and fail without python3) under CI=true. */
export const PRODUCER_REQUIRED = process.env.CI === 'true';

/** Whether tests on the producer's archives run here; warns, naming `what`, when they do not or will fail. */
export function independentProducerRuns(what: string): boolean {
  if (!HAS_PYTHON)
    console.warn(
      PRODUCER_REQUIRED
        ? `python3 with cryptography is missing: under CI=true ${what} FAIL.`
        : `python3 with cryptography is missing (Debian: apt-get install -y python3-cryptography): ${what} are SKIPPED on this machine.`,
    );
  return HAS_PYTHON || PRODUCER_REQUIRED;
}

export interface IndependentArchive {
  readonly path: string;
  /** Its root public key (64 hex), from `<path>.json`. */
  readonly root: string;
}

/** Writes an archive to `path` with the producer's arguments `args`. */
export function makeIndependentArchive(path: string, args: readonly string[]): IndependentArchive {
  execFileSync('python3', [INDEPENDENT_PRODUCER, path, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  return {
    path,
    root: (JSON.parse(readFileSync(`${path}.json`, 'utf8')) as { rootPublicKey: string }).rootPublicKey,
  };
}

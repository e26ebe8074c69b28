/**
 * The independent producer (test/bench/independent-producer.py: Python, FORMAT.md only) as the
 * tests use it. It needs python3 with `cryptography` (Debian: python3-cryptography; .ci/run
 * installs it): where that is missing, a test on its archives is skipped off CI and says so, and
 * under CI=true it runs and fails.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HEX64 } from '../../shared/format/hash.ts';

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

/** The archive the producer wrote at `path`, with the root key its `<path>.json` names. */
export function independentArchiveAt(path: string): IndependentArchive {
  const root = (JSON.parse(readFileSync(`${path}.json`, 'utf8')) as { rootPublicKey?: string }).rootPublicKey;
  if (!root || !HEX64.test(root)) throw new Error(`${path}.json names no root key`);
  return { path, root };
}

/**
 * Writes an archive to `path` with the producer's arguments `args`; with `progress`, the
 * producer's progress lines (every 10 %) go to this process's stderr.
 */
export function makeIndependentArchive(
  path: string,
  args: readonly string[],
  options: { readonly progress?: boolean } = {},
): IndependentArchive {
  execFileSync('python3', [INDEPENDENT_PRODUCER, path, ...args], {
    stdio: ['ignore', 'ignore', options.progress ? 'inherit' : 'pipe'],
  });
  return independentArchiveAt(path);
}

/**
 * `tickmark verify <archive.zip | archive-dir> [--trust-root <hex>]... [--json]` (FORMAT.md §8).
 * Exit 0: no finding but CHAIN_UNSEALED; 1: findings; 2: could not run.
 */
import { verifyArchive, verifyZipBytes, type EngineOptions } from '../../shared/engine/verify.ts';
import type { VerifyReport } from '../../shared/engine/types.ts';
import { readArchivePath, type ArchivePath } from '../open-archive.ts';
import { formatReport, reportJson } from '../report-format.ts';
import { engineOptions } from '../engine-options.ts';
import { defaultPoolSize, startPool } from '../pool/pool-runner.ts';
import { UsageError, parseArgs, parseTrustRoots, type CommandIo } from '../args.ts';

export const VERIFY_USAGE =
  'usage: tickmark verify <archive.zip | archive-dir> [--trust-root <64-hex public key>]... [--json] [--workers N]';

/** Exit status of a report (FORMAT.md §8). */
export function exitStatus(report: VerifyReport): 0 | 1 {
  return report.findings.every((f) => f.code === 'CHAIN_UNSEALED') ? 0 : 1;
}

export async function runVerify(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, { multi: ['trust-root'], single: ['workers'], flags: ['json'], usage: VERIFY_USAGE });
  if (args.positional.length !== 1) throw new UsageError(`verify takes exactly one archive\n${VERIFY_USAGE}`);
  const trustedRoots = parseTrustRoots(args.multi['trust-root']);
  const workers = args.single.workers === undefined ? undefined : Number(args.single.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0 && workers <= 64))
    throw new UsageError(`--workers must be a whole number from 0 to 64, got "${args.single.workers}"`);
  const report = await verifyPath(args.positional[0] as string, { trustedRoots }, { workers });
  io.stdout(args.flags.json ? JSON.stringify(reportJson(report)) + '\n' : formatReport(report));
  return exitStatus(report);
}

export interface PathOptions {
  /** Worker threads for segments: 0 or 1 checks in this thread; default one per core. */
  readonly workers?: number | undefined;
}

/**
 * Verifies a file or directory path with every check this build has, segments checked
 * by a pool of worker threads when there is more than one segment and more than one core.
 * @throws UsageError when the path does not exist or cannot be opened (exit 2).
 */
export async function verifyPath(
  path: string,
  base: Pick<EngineOptions, 'trustedRoots'> & Partial<EngineOptions>,
  pathOptions: PathOptions = {},
): Promise<VerifyReport> {
  const options: EngineOptions = { ...engineOptions(), ...base };
  let archive: ArchivePath;
  try {
    archive = await readArchivePath(path, options.limits);
  } catch (error) {
    throw new UsageError(
      `cannot open ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`,
    );
  }
  const workers = pathOptions.workers ?? defaultPoolSize();
  const parallel = workers > 1 && !options.onRecord;
  const withPool: EngineOptions = parallel
    ? { ...options, segmentRunner: (setup) => startPool(path, setup, workers) }
    : options;
  return 'directory' in archive
    ? verifyArchive(archive.directory, withPool)
    : verifyZipBytes(archive.zip, archive.name, withPool);
}

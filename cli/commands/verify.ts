/**
 * `tickmark verify <archive.zip | archive-dir> [--trust-root <hex>]... [--json]` (FORMAT.md §8).
 * Exit 0: no finding but CHAIN_UNSEALED; 1: findings; 2: could not run.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { verifyArchive, verifyZipBytes, type EngineOptions } from '../../shared/engine/verify.ts';
import type { VerifyReport } from '../../shared/engine/types.ts';
import { fileBytes, openDirectory } from '../node-source.ts';
import { formatReport, reportJson } from '../report-format.ts';
import { engineOptions } from '../engine-options.ts';
import { defaultPoolSize, startPool } from '../pool/pool-runner.ts';
import { UsageError, parseArgs, type CommandIo } from '../args.ts';

export const VERIFY_USAGE =
  'usage: tickmark verify <archive.zip | archive-dir> [--trust-root <64-hex public key>]... [--json] [--workers N]';

/** Exit status of a report (FORMAT.md §8). */
export function exitStatus(report: VerifyReport): 0 | 1 {
  return report.findings.every((f) => f.code === 'CHAIN_UNSEALED') ? 0 : 1;
}

export async function runVerify(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, { multi: ['trust-root'], single: ['workers'], flags: ['json'], usage: VERIFY_USAGE });
  if (args.positional.length !== 1) throw new UsageError(`verify takes exactly one archive\n${VERIFY_USAGE}`);
  const trustRoots = args.multi['trust-root'] ?? [];
  for (const root of trustRoots) {
    if (!/^[0-9a-fA-F]{64}$/.test(root))
      throw new UsageError(`--trust-root must be a 64-hex-digit Ed25519 public key, got "${root}"`);
  }
  const workers = args.single.workers === undefined ? undefined : Number(args.single.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0 && workers <= 64))
    throw new UsageError(`--workers must be a whole number from 0 to 64, got "${args.single.workers}"`);
  const report = await verifyPath(
    args.positional[0] as string,
    { trustedRoots: trustRoots.map((r) => r.toLowerCase()) },
    { workers },
  );
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
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new UsageError(
      `cannot open ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`,
    );
  }
  const options: EngineOptions = { ...engineOptions(), ...base };
  const workers = pathOptions.workers ?? defaultPoolSize();
  const parallel = workers > 1 && !options.onRecord;
  const withPool: EngineOptions = parallel
    ? { ...options, segmentRunner: (setup) => startPool(path, setup, workers) }
    : options;
  if (info.isDirectory()) {
    const source = await openDirectory(path, basename(path), options.limits);
    return verifyArchive(source, withPool);
  }
  let bytes;
  try {
    bytes = await fileBytes(path);
  } catch (error) {
    throw new UsageError(`cannot open ${path}: ${(error as Error).message}`);
  }
  return verifyZipBytes(bytes, basename(path), withPool);
}

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
import { UsageError, parseArgs, type CommandIo } from '../args.ts';

export const VERIFY_USAGE = 'usage: tickmark verify <archive.zip | archive-dir> [--trust-root <64-hex public key>]... [--json]';

/** Exit status of a report (FORMAT.md §8). */
export function exitStatus(report: VerifyReport): 0 | 1 {
  return report.findings.every((f) => f.code === 'CHAIN_UNSEALED') ? 0 : 1;
}

export async function runVerify(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, { multi: ['trust-root'], flags: ['json'], usage: VERIFY_USAGE });
  if (args.positional.length !== 1) throw new UsageError(`verify takes exactly one archive\n${VERIFY_USAGE}`);
  const trustRoots = args.multi['trust-root'] ?? [];
  for (const root of trustRoots) {
    if (!/^[0-9a-fA-F]{64}$/.test(root)) throw new UsageError(`--trust-root must be a 64-hex-digit Ed25519 public key, got "${root}"`);
  }
  const report = await verifyPath(args.positional[0] as string, { trustedRoots: trustRoots.map((r) => r.toLowerCase()) }, io);
  io.stdout(args.flags.json ? JSON.stringify(reportJson(report)) + '\n' : formatReport(report));
  return exitStatus(report);
}

/**
 * Verifies a file or directory path with every check this build has.
 * @throws UsageError when the path does not exist or cannot be opened (exit 2).
 */
export async function verifyPath(path: string, base: Pick<EngineOptions, 'trustedRoots'> & Partial<EngineOptions>, io?: CommandIo): Promise<VerifyReport> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    throw new UsageError(`cannot open ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`);
  }
  const options: EngineOptions = { ...(await engineOptions(io)), ...base };
  if (info.isDirectory()) {
    const source = await openDirectory(path, basename(path), options.limits);
    return verifyArchive(source, options);
  }
  let bytes;
  try {
    bytes = await fileBytes(path);
  } catch (error) {
    throw new UsageError(`cannot open ${path}: ${(error as Error).message}`);
  }
  return verifyZipBytes(bytes, basename(path), options);
}

/**
 * `tickmark verify <archive.zip | archive-dir> [--trust-root <hex>]... [--json]` (FORMAT.md §8).
 * Exit 0: no finding but CHAIN_UNSEALED; 1: findings; 2: could not run.
 */
import { verifyArchive, verifyZipBytes, type EngineOptions } from '../../shared/engine/verify.ts';
import { FreePieceBuffers } from '../../shared/engine/pieces.ts';
import type { VerifyReport } from '../../shared/engine/types.ts';
import { readArchivePath, type ArchivePath } from '../open-archive.ts';
import { formatReport, reportJson } from '../report-format.ts';
import { engineOptions } from '../engine-options.ts';
import { runtimeWebCryptoVerifier } from '../../shared/format/webcrypto-ed25519.ts';
import { withTempSpill } from '../spill-node.ts';
import { defaultPoolSize, warmPool, type WarmPool } from '../pool/pool-runner.ts';
import { poolWorkerScript } from '../pool/worker-bundle.ts';
import { UsageError, parseArgs, parseTrustRoots, type CommandIo, type ParsedArgs } from '../args.ts';
import { ACCEPTED_INPUTS, detectExeclayer, verifyExeclayerPath } from '../execlayer.ts';
import { fromHex } from '../../shared/format/bytes.ts';

export const VERIFY_USAGE =
  'usage: tickmark verify <archive.zip | archive-dir | execlayer log or journal folder> [--trust-root <64-hex public key>]... [--json] [--workers N]\n' +
  '       ExecLayer logs: [--hmac-secret-hex <hex>] [--issuer <id>]...\n' +
  '       on a queue: tickmark verify <archive.zip | http(s) URL> --queue redis://host:port [--worker-archive <path | URL>] [--workers N] [--worker-wait <seconds>] [--trust-root <hex>]... [--json]';

/** Exit status of a report (FORMAT.md §8). */
export function exitStatus(report: VerifyReport): 0 | 1 {
  return report.findings.every((f) => f.code === 'CHAIN_UNSEALED') ? 0 : 1;
}

export async function runVerify(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, {
    multi: ['trust-root', 'issuer'],
    single: ['workers', 'hmac-secret-hex', 'queue', 'worker-archive', 'worker-wait'],
    flags: ['json'],
    usage: VERIFY_USAGE,
  });
  if (args.positional.length !== 1) throw new UsageError(`verify takes exactly one archive\n${VERIFY_USAGE}`);
  const path = args.positional[0] as string;
  if (args.single.queue !== undefined) return runVerifyOnQueue(path, args, io);
  if (args.single['worker-archive'] !== undefined || args.single['worker-wait'] !== undefined)
    throw new UsageError('--worker-archive and --worker-wait apply with --queue');
  const secretHex = args.single['hmac-secret-hex'];
  if (secretHex !== undefined && !/^(?:[0-9a-fA-F]{2})+$/.test(secretHex))
    throw new UsageError("--hmac-secret-hex must be the secret's bytes in hex (an even number of hex digits)");
  const execlayer = await detectExeclayer(path);
  if (execlayer) {
    const report = await verifyExeclayerPath(path, execlayer, {
      hmacSecret: secretHex === undefined ? null : fromHex(secretHex.toLowerCase()),
      issuers: args.multi.issuer && args.multi.issuer.length > 0 ? args.multi.issuer : null,
    });
    io.stdout(args.flags.json ? JSON.stringify(reportJson(report)) + '\n' : formatReport(report));
    return exitStatus(report);
  }
  if (secretHex !== undefined || (args.multi.issuer ?? []).length > 0)
    throw new UsageError(`--hmac-secret-hex and --issuer apply to ExecLayer logs; ${path} is not one`);
  const trustedRoots = parseTrustRoots(args.multi['trust-root']);
  const workers = args.single.workers === undefined ? undefined : Number(args.single.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0 && workers <= 64))
    throw new UsageError(`--workers must be a whole number from 0 to 64, got "${args.single.workers}"`);
  const report = withAcceptedInputs(await verifyPath(path, { trustedRoots }, { workers }));
  io.stdout(args.flags.json ? JSON.stringify(reportJson(report)) + '\n' : formatReport(report));
  return exitStatus(report);
}

/** `verify --queue`: segments checked by `tickmark worker`s through Redis (cli/distributed/). */
async function runVerifyOnQueue(path: string, args: ParsedArgs, io: CommandIo): Promise<number> {
  if (args.single['hmac-secret-hex'] !== undefined || (args.multi.issuer ?? []).length > 0)
    throw new UsageError(
      '--hmac-secret-hex and --issuer apply to ExecLayer logs, which are verified here, not on a queue',
    );
  const number = (name: string, min: number, max: number): number | undefined => {
    const text = args.single[name];
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
      throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${text}"`);
    return Number(text);
  };
  const { verifyOnQueue } = await import('../distributed/verify-queue.ts');
  const report = await verifyOnQueue(path, {
    trustedRoots: parseTrustRoots(args.multi['trust-root']),
    queue: args.single.queue as string,
    workerArchive: args.single['worker-archive'],
    concurrency: number('workers', 1, 100_000),
    workerWaitSeconds: number('worker-wait', 1, 86_400),
    note: (text) => io.stderr(`tickmark verify: ${text}\n`),
  });
  io.stdout(args.flags.json ? JSON.stringify(reportJson(report)) + '\n' : formatReport(report));
  return exitStatus(report);
}

/** A file that is no readable archive: the finding also says what Tickmark reads. */
function withAcceptedInputs(report: VerifyReport): VerifyReport {
  const only = report.findings.length === 1 ? report.findings[0] : undefined;
  if (!only || only.code !== 'ARCHIVE_UNREADABLE' || report.archive !== null) return report;
  return { ...report, findings: [{ ...only, message: `${only.message} ${ACCEPTED_INPUTS}.` }] };
}

export interface PathOptions {
  /** Worker threads for segments: 0 or 1 checks in this thread; default one per core. */
  readonly workers?: number | undefined;
  /** The pool's buffers for pieces, given back by its threads (tests count them); default a new one. */
  readonly pieceBuffers?: FreePieceBuffers | undefined;
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
  const workers = pathOptions.workers ?? defaultPoolSize();
  const parallel = workers > 1 && !options.onRecord;
  // Where the pool's code is (a cached bundle, checked against its sources) is looked up
  // while the archive's listing is read, when this thread is idle: looked up once the engine
  // runs, each of its many small reads waited for the engine's work, and the threads started
  // about 0.3 s late. Looking costs nothing else; threads start only when a pool is worth it.
  if (parallel) void poolWorkerScript();
  let archive: ArchivePath;
  try {
    archive = await readArchivePath(path, options.limits);
  } catch (error) {
    throw new UsageError(
      `cannot open ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`,
    );
  }
  // The threads start as soon as the listing shows a pool is worth it (warmSegmentRunner),
  // and take their setup when the engine asks for the runner.
  let warm: WarmPool | null = null;
  // A piece's buffer comes back from the thread that checked it and the next piece is read into
  // it: the reader makes no new buffer for each piece.
  const pieceBuffers = parallel ? (pathOptions.pieceBuffers ?? new FreePieceBuffers()) : undefined;
  const warmed = () => (warm ??= warmPool(path, workers, pieceBuffers ? { pieceBuffers } : {}));
  // With threads to spare, keys.json's signatures are verified all at once, and the
  // checkpoints' in batches while the segments are checked (a producer may write a few keys
  // for each of thousands of ledgers, a checkpoint for every receipt), by Node's WebCrypto,
  // which verifies on libuv's thread pool. Without it, one by one in this thread.
  const aheadVerifier = parallel ? await runtimeWebCryptoVerifier() : null;
  const withPool: EngineOptions = parallel
    ? {
        ...(aheadVerifier ? { aheadVerifier } : {}),
        ...(pieceBuffers ? { pieceBuffers } : {}),
        ...options,
        warmSegmentRunner: () => void warmed(),
        segmentRunner: (setup) => warmed().start(setup),
      }
    : options;
  try {
    return await withTempSpill((spill) => {
      const run: EngineOptions = spill && !options.spill ? { ...withPool, spill } : withPool;
      return 'directory' in archive
        ? verifyArchive(archive.directory, run)
        : verifyZipBytes(archive.zip, archive.name, run);
    });
  } finally {
    // Threads the engine did not take (no runner was asked for after all) stop here.
    await (warm as WarmPool | null)?.close();
  }
}

/**
 * Checking an archive the way the command line's pool does (the engine's thread reads and
 * splits each segment file; pieces are checked apart and merged in order), but in this
 * thread and with pieces as small as a test wants, so every split point is exercised.
 * `samePieces` runs both ways and returns what differs: a split must never change an answer.
 */
import type { ArchiveSource } from '../../shared/archive/source.ts';
import { segmentChecker } from '../../shared/engine/segment-worker.ts';
import type { SegmentRunner } from '../../shared/engine/segment-task.ts';
import { memorySpillStore, type SpillStore } from '../../shared/engine/spill.ts';
import type { VerifyReport } from '../../shared/engine/types.ts';
import { verifyArchive, type EngineOptions, type RunnerSetup } from '../../shared/engine/verify.ts';
import { controlFactories } from '../../cli/engine-options.ts';
import { nativeStrictVerifier } from '../../cli/native-ed25519.ts';

/** A runner that takes pieces and checks them one at a time in this thread. */
export function piecesInThisThread(source: ArchiveSource): (setup: RunnerSetup) => Promise<SegmentRunner> {
  return async (setup) => {
    const check = await segmentChecker(source, setup, {
      verifier: nativeStrictVerifier,
      controlFactories: controlFactories(),
    });
    return {
      name: 'pieces in this thread',
      concurrency: 1,
      takesPieces: true,
      run: (task) => {
        if (!task.piece) throw new Error(`a whole file (${task.path}) was sent to a runner that takes pieces`);
        return check(task);
      },
      close: async () => undefined,
    };
  };
}

/** The report without the line that names the runner (the only thing a split may change). */
export function withoutRunner(report: VerifyReport): VerifyReport {
  return { ...report, checks: report.checks.filter((c) => !c.check.startsWith('Segments checked by')) };
}

/**
 * Verifies `open()`'s archive unsplit (whole files, this thread, every table in memory) and
 * split into pieces of `pieceBytes` with receipt ids and outputs spilled (spill.ts, files in
 * memory here), and returns both reports (runner line removed) for the caller to compare.
 */
export async function verifyBothWays(
  open: () => ArchiveSource | Promise<ArchiveSource>,
  options: EngineOptions,
  pieceBytes: number,
): Promise<{ whole: VerifyReport; pieces: VerifyReport }> {
  // The engine leaves closing a source to its caller (as the command line does).
  const first = await open();
  const whole = await verifyArchive(first, options).finally(() => first.close());
  const source = await open();
  const store = memorySpillStore();
  let spilled = 0;
  const spill: SpillStore = {
    // Tiny, so even a test's few receipts go through files.
    flushBytes: 64,
    create: (name) => {
      spilled++;
      return store.create(name);
    },
  };
  const pieces = await verifyArchive(source, {
    ...options,
    spill,
    spillMinBytes: 0,
    segmentRunner: piecesInThisThread(source),
    segmentRunnerMinBytes: 0,
    pieceBytes,
    // The first file starts smaller and doubles up to pieceBytes, as a run's first file does.
    firstPieceBytes: Math.ceil(pieceBytes / 16),
  }).finally(() => source.close());
  // The split must really have run (a pool that cannot start falls back to whole files).
  const ran = pieces.checks.find((c) => c.check.startsWith('Segments checked by'))?.check;
  if (ran !== 'Segments checked by pieces in this thread' && whole.summary.receipts > 0)
    throw new Error(`the pieces runner did not run: ${ran}`);
  // And the spill: every archive with a receipt writes at least its id down.
  if (whole.summary.receipts > 0 && spilled === 0) throw new Error('the spill was not used');
  if (store.files.size > 0) throw new Error(`spill files left unread: ${[...store.files.keys()].join(', ')}`);
  return { whole: withoutRunner(whole), pieces: withoutRunner(pieces) };
}

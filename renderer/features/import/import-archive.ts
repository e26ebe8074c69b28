/**
 * One import, all or nothing (an archive, or an ExecLayer log): create the `importing` row, verify in the worker while
 * storing line chunks, then write the index blocks and flip to `complete` in one final
 * transaction. The table built by the worker goes straight to the cache of loaded archives.
 * Cancel or failure deletes everything written so far.
 */
import {
  beginImport,
  completeImport,
  deleteArchive,
  putColumnBlocks,
  putLineChunks,
  withImportLock,
} from '../../store/archives.ts';
import type { ArchiveRow } from '../../store/db.ts';
import type { PickedArchive } from '../../host/host.ts';
import type { VerifyProgress } from '../../workers/verify-protocol.ts';
import type { ExeclayerStart } from '../../workers/execlayer-protocol.ts';
import { startVerification } from './verify-client.ts';
import { withAcceptedFiles } from '../../../shared/execlayer/detect.ts';
import { rememberLoadedArchive } from '../../app/loaded-archives.ts';

export type ImportOutcome =
  | { readonly kind: 'complete'; readonly archiveId: string; readonly controlsUnavailable: string | null }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly message: string };

export interface ImportJob {
  readonly outcome: Promise<ImportOutcome>;
  cancel(): void;
}

export interface ImportOptions {
  readonly trustedRoots: readonly string[];
  readonly origin: ArchiveRow['origin'];
  /** The engagement to store it under (default: the current one). */
  readonly engagementId?: string;
  readonly onProgress: (progress: VerifyProgress) => void;
  /** How the evidence is named and sized when it is more than `archive` (a v4 journal's two files). */
  readonly name?: string;
  readonly size?: number;
  /** Called once the archive row exists (for the id). */
  readonly onStarted?: (archiveId: string) => void;
  /**
   * The evidence is an ExecLayer log (`archive` is its log file): how to verify it, and what
   * the row records of it. The start holds the HMAC secret for the worker; the row never does.
   */
  readonly execlayer?: { readonly start: ExeclayerStart; readonly stored: NonNullable<ArchiveRow['execlayer']> };
}

export function importArchive(archive: PickedArchive, options: ImportOptions): ImportJob {
  let cancelled = false;
  let cancelRun: (() => void) | null = null;
  const outcome = (async (): Promise<ImportOutcome> => {
    const archiveId = await beginImport({
      name: options.name ?? archive.name,
      size: options.size ?? archive.size,
      origin: options.origin,
      trustedRoots: options.trustedRoots,
      ...(options.engagementId ? { engagementId: options.engagementId } : {}),
      ...(options.execlayer ? { execlayer: options.execlayer.stored } : {}),
    });
    options.onStarted?.(archiveId);
    return withImportLock(archiveId, async () => {
      try {
        if (cancelled) throw new CancelledImport();
        const started = performance.now();
        let lastProgress: VerifyProgress | null = null;
        const run = startVerification({
          source: archive.workerSource,
          bytes: archive.bytes,
          trustedRoots: options.trustedRoots,
          runControls: true,
          onProgress: (progress) => {
            lastProgress = progress;
            options.onProgress(progress);
          },
          storeLines: (chunks) => putLineChunks(archiveId, chunks),
          // Each column block as it comes, while the worker builds the point index.
          storeBlocks: (blocks) => putColumnBlocks(archiveId, blocks),
          ...(options.execlayer ? { execlayer: options.execlayer.start } : {}),
        });
        cancelRun = run.cancel;
        const result = await run.outcome;
        if (result.kind === 'cancelled') throw new CancelledImport();
        if (result.kind === 'failed') throw new Error(result.message);
        if (cancelled) throw new CancelledImport();
        // A file that is no readable archive: its finding also says what the app reads.
        const report = options.execlayer ? result.report : withAcceptedFiles(result.report);
        const table = report === result.report ? result.table : { ...result.table, findings: report.findings };
        const completing = performance.now();
        const shown = lastProgress as VerifyProgress | null;
        // completeImport says "part 0 of N" before it writes anything: the step shows from then.
        rememberLoadedArchive(
          archiveId,
          await completeImport(
            archiveId,
            { ...result, report },
            table,
            () => cancelled,
            (done, of) => {
              if (shown) options.onProgress({ ...shown, phase: 'done', step: 'saving', saved: { done, of } });
            },
          ),
        );
        // Where the time went, for the import benchmark (test/e2e/responsiveness.test.ts).
        performance.measure('tickmark import', {
          start: started,
          detail: {
            receipts: report.summary.receipts,
            // What the import found, for the benchmark to hold against the command line's report.
            findings: { integrity: report.summary.integrity_findings, control: report.summary.control_findings },
            worker: result.timings ?? null,
            storing: result.storing,
            complete: performance.now() - completing,
          },
        });
        return { kind: 'complete', archiveId, controlsUnavailable: result.controlsUnavailable } as const;
      } catch (error) {
        await deleteArchive(archiveId);
        if (error instanceof CancelledImport || cancelled) return { kind: 'cancelled' } as const;
        return { kind: 'failed', message: (error as Error).message } as const;
      }
    });
  })();
  return {
    outcome,
    cancel() {
      cancelled = true;
      cancelRun?.();
    },
  };
}

class CancelledImport extends Error {}

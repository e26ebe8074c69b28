/**
 * The window's side of the verify worker: a small typed wrapper over postMessage.
 * Stores line chunks in order as they arrive and tells the worker how far storing got,
 * which is what keeps a fast verifier from outrunning the database. Cancel terminates
 * the worker.
 */
import type { RandomAccessBytes } from '../../../shared/archive/source.ts';
import type { LineChunk } from '../../workers/receipt-columns.ts';
import type { ArchiveBytesSource, FromWorker, ToWorker, VerifyProgress } from '../../workers/verify-protocol.ts';
import type { ExeclayerStart, ToExeclayerWorker } from '../../workers/execlayer-protocol.ts';
import { answerRead } from '../../workers/relay.ts';
import { ImportPartsCollector, type DoneParts } from '../../workers/import-parts.ts';
import type { ColumnBlock } from '../../workers/receipt-columns.ts';
import type { PointIndex } from '../../workers/point-index.ts';
import type { ReceiptTable } from '../../workers/receipt-table.ts';
import { GatheredWrites } from './gathered-writes.ts';

export type VerifyOutcome =
  | ({
      readonly kind: 'done';
      readonly storing: StoringTimings;
      /** The column blocks not stored yet: all of them without `storeBlocks`, none with it. */
      readonly blocks: ColumnBlock[];
      /** The blocks joined into the in-memory table the window filters (built in the worker). */
      readonly table: ReceiptTable;
      /** The table's point index (a receipt found without reading the whole table), or null when it has none. */
      readonly pointIndex: PointIndex | null;
    } & Omit<Extract<FromWorker, { type: 'done' }>, 'type' | keyof DoneParts>)
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly message: string };

export interface VerifyRequest {
  readonly source: ArchiveBytesSource;
  /** For a `relay` source: where the window reads the bytes the worker asks for. */
  readonly bytes: RandomAccessBytes;
  readonly trustedRoots: readonly string[];
  readonly runControls: boolean;
  readonly onProgress: (progress: VerifyProgress) => void;
  /**
   * Stores chunks, in one transaction: those that arrived while the last ones were being
   * stored, or a few gathered (gathered-writes.ts), in order (one write per chunk would cost a
   * transaction each).
   */
  readonly storeLines: (chunks: readonly LineChunk[]) => Promise<void>;
  /**
   * Stores column blocks as they arrive, in order, one write at a time: those that arrived while
   * the last were being stored go together (an archive of 2,000 small ledgers is 2,000 blocks),
   * while the worker builds the point index; without it, the blocks are left for the caller (the
   * outcome's `blocks`).
   */
  readonly storeBlocks?: (blocks: readonly ColumnBlock[]) => Promise<void>;
  /**
   * An ExecLayer log instead of an archive (its `log` is `source`): verified by its own
   * worker (execlayer.worker.ts), which answers in the same messages. `trustedRoots` and
   * `runControls` do not apply.
   */
  readonly execlayer?: ExeclayerStart;
}

/** Milliseconds the window spent storing line chunks, for the import's benchmark. */
export interface StoringTimings {
  /** Summed over every chunk (storing overlaps verification). */
  readonly total: number;
  /** After the worker's last message, until the last chunk and column block were stored. */
  readonly tail: number;
  readonly chunks: number;
  /** Transactions the chunks were stored in (gathered-writes.ts). */
  readonly writes: number;
}

export interface VerifyRun {
  readonly outcome: Promise<VerifyOutcome>;
  cancel(): void;
}

const verifyWorker = () =>
  new Worker(new URL('../../workers/verify.worker.ts', import.meta.url), { type: 'module', name: 'tickmark-verify' });

/** A verify worker started ahead, loading what a verification needs first; the next archive's import takes it. */
let warmWorker: Worker | null = null;

/**
 * Starts the next archive's verify worker now, while no archive is chosen: it loads its code,
 * the WebAssembly it hashes and inflates with, Cedar and the Ed25519s (about half a second of
 * this machine's time that an import would otherwise begin with). One at most; each import
 * takes it, and the start page asks for the next.
 */
export function prewarmVerification(): void {
  if (warmWorker || typeof Worker === 'undefined') return;
  warmWorker = verifyWorker();
  const message: ToWorker = { type: 'warm' };
  warmWorker.postMessage(message);
}

export function startVerification(request: VerifyRequest): VerifyRun {
  const worker = request.execlayer
    ? new Worker(new URL('../../workers/execlayer.worker.ts', import.meta.url), {
        type: 'module',
        name: 'tickmark-execlayer',
      })
    : (warmWorker ?? verifyWorker());
  if (!request.execlayer) warmWorker = null;
  const send = (message: ToWorker | ToExeclayerWorker) => worker.postMessage(message);
  let storeError: Error | null = null;
  let storeMs = 0;
  let storedChunks = 0;
  /** Chunks received, handed to `storeLines` in order, a few at a time. */
  const storing = new GatheredWrites<Extract<FromWorker, { type: 'lines' }>>(async (batch) => {
    if (storeError) return;
    try {
      const from = performance.now();
      await request.storeLines(batch.map((m) => m.chunk));
      storeMs += performance.now() - from;
      storedChunks += batch.length;
      send({ type: 'stored', chunks: (batch.at(-1) as (typeof batch)[number]).seq });
    } catch (error) {
      storeError = error as Error;
      send({ type: 'cancel' });
    }
  });
  /** The column blocks and the point index's buckets, sent ahead of `done`. */
  const parts = new ImportPartsCollector();
  /** The blocks being stored (`storeBlocks`): each write takes every block that came while the last was made. */
  const storeBlocks = request.storeBlocks;
  const blockWrites = new GatheredWrites<ColumnBlock>(
    async (blocks) => {
      if (storeError || !storeBlocks) return;
      try {
        await storeBlocks(blocks);
      } catch (error) {
        storeError = error as Error;
        send({ type: 'cancel' });
      }
    },
    1,
    0,
  );
  let settle!: (outcome: VerifyOutcome) => void;
  const outcome = new Promise<VerifyOutcome>((resolve) => (settle = resolve));
  let finished = false;
  const finish = (result: VerifyOutcome) => {
    if (finished) return;
    finished = true;
    worker.terminate();
    settle(result);
  };
  /**
   * Ends the import once every chunk and column block received is stored (chunks still gathered
   * are written at once): the import then deletes what was stored, and no write lands after
   * that. The outcome is taken then, so that it sees a store that failed.
   */
  const finishAfterStoring = (result: () => VerifyOutcome) => {
    storing.end();
    void Promise.all([storing.settled, blockWrites.settled]).then(() => finish(result()));
  };
  const storeFailed = (): VerifyOutcome | null =>
    storeError ? { kind: 'failed', message: `Storing receipts failed: ${storeError.message}` } : null;

  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    switch (message.type) {
      case 'progress':
        request.onProgress(message.progress);
        break;
      case 'lines':
        storing.push(message);
        break;
      case 'read':
        answerRead(request.bytes, message, send);
        break;
      case 'block':
        parts.receive(message);
        if (storeBlocks) blockWrites.push(message.block);
        break;
      case 'lookup':
        parts.receive(message);
        break;
      case 'done': {
        const { type: _type, blocks: _blocks, table: _table, pointIndex: _pointIndex, ...rest } = message;
        const doneAt = performance.now();
        let joined: ReturnType<ImportPartsCollector['join']>;
        try {
          joined = parts.join(message);
        } catch (error) {
          const failed = `The verify worker's answer was incomplete: ${(error as Error).message}`;
          finishAfterStoring(() => ({ kind: 'failed', message: failed }));
          break;
        }
        finishAfterStoring(
          () =>
            storeFailed() ?? {
              kind: 'done',
              ...rest,
              ...joined,
              blocks: storeBlocks ? [] : joined.blocks,
              storing: {
                total: storeMs,
                tail: performance.now() - doneAt,
                chunks: storedChunks,
                writes: storing.writes,
              },
            },
        );
        break;
      }
      case 'cancelled':
        finishAfterStoring(() => storeFailed() ?? { kind: 'cancelled' });
        break;
      case 'failed':
        finishAfterStoring(() => ({ kind: 'failed', message: message.message }));
        break;
    }
  };
  worker.onerror = (event) => {
    event.preventDefault();
    const failed = `The verification worker stopped: ${event.message || 'unknown error'}`;
    // Nothing more from it; then, as any end, after the chunks being stored.
    worker.terminate();
    finishAfterStoring(() => ({ kind: 'failed', message: failed }));
  };
  if (request.execlayer) send({ type: 'start-execlayer', input: request.execlayer });
  else
    send({
      type: 'start',
      source: request.source,
      trustedRoots: request.trustedRoots,
      runControls: request.runControls,
    });
  return {
    outcome,
    // The window ends the worker itself rather than waiting for verification to wind
    // down: a cancel must not depend on how soon the engine next looks at its signal.
    // Chunks already handed over finish storing first, so the caller deletes them all.
    cancel: () => {
      if (finished) return;
      worker.terminate();
      finishAfterStoring(() => ({ kind: 'cancelled' }));
    },
  };
}

/**
 * Messages between the verify worker and its segment workers (the app's pool). Types only.
 */
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentTask } from '../../shared/engine/segment-task.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { SegmentRows } from './receipt-columns.ts';
import type { ReadAnswer, ReadRequest } from './relay.ts';
import type { ArchiveBytesSource } from './verify-protocol.ts';

export type ToSegmentWorker =
  /** Sent to a warm worker (segment-pool.ts's `warmSegmentWorkers`): load Cedar and the hashing now, before `init`. */
  | { readonly type: 'warm' }
  | {
      readonly type: 'init';
      readonly source: ArchiveBytesSource;
      readonly setup: RunnerSetup;
      /**
       * The pool's shared Cedar decisions (shared/decisions/shared-memo.ts), where the page is
       * cross-origin isolated (SharedArrayBuffer exists only there); absent, each worker has its own memo only.
       */
      readonly decisions?: SharedArrayBuffer;
    }
  | {
      /**
       * Tasks checked in order and answered in one `results`: one piece of a segment file, or
       * several whole small files (pieces.ts's `batchSmallFiles`).
       */
      readonly type: 'tasks';
      readonly id: number;
      readonly tasks: readonly SegmentTask[];
      /** For each task: its file's lines are kept as its stored bytes (renderer/store/line-files.ts), so send none back. */
      readonly linesKept: readonly boolean[];
      /**
       * With a single piece whose lines come back: the buffer an earlier piece's rows came in,
       * moved back once the verify worker copied them out, for the worker to pack this piece's
       * lines into (a new one is fresh memory).
       */
      readonly linesBuffer?: ArrayBuffer;
    }
  | ReadAnswer;

export type FromSegmentWorker =
  | { readonly type: 'ready'; readonly signatures: string }
  | { readonly type: 'init-failed'; readonly message: string }
  | {
      /** The answer to `tasks`: a result for each, in order, and their rows in one set (its `files` says whose each row is, for several). */
      readonly type: 'results';
      readonly id: number;
      readonly results: readonly SegmentResult[];
      readonly rows: SegmentRows;
      /** This worker's milliseconds so far: checking tasks, and waiting for one since it was ready. */
      readonly busyMs: number;
      readonly idleMs: number;
      /** The pieces' buffers, moved back once checked, for the next pieces to be read into. */
      readonly pieceBuffers: readonly ArrayBuffer[];
    }
  | { readonly type: 'error'; readonly id: number; readonly message: string }
  | ReadRequest;

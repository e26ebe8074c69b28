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
      readonly type: 'task';
      readonly id: number;
      readonly task: SegmentTask;
      /** The file's lines are kept as its stored bytes (renderer/store/line-files.ts): send none back. */
      readonly linesKept?: boolean;
      /**
       * The buffer of lines an earlier piece's rows came in, moved back once the verify worker
       * copied them out, for the worker to pack a later piece's lines into (a new one is fresh memory).
       */
      readonly linesBuffer?: ArrayBuffer;
    }
  | {
      /** Several whole small files at once (pieces.ts's `batchSmallFiles`), checked in order, answered in one `results`. */
      readonly type: 'tasks';
      readonly id: number;
      readonly tasks: readonly SegmentTask[];
      /** For each task, as `linesKept` of a single task. */
      readonly linesKept: readonly boolean[];
    }
  | ReadAnswer;

export type FromSegmentWorker =
  | { readonly type: 'ready'; readonly signatures: string }
  | { readonly type: 'init-failed'; readonly message: string }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly result: SegmentResult;
      readonly rows: SegmentRows;
      /** This worker's milliseconds so far: checking tasks, and waiting for one since it was ready. */
      readonly busyMs: number;
      readonly idleMs: number;
      /** The piece's buffer, moved back once the piece is checked, for the next piece to be read into. */
      readonly pieceBuffer?: ArrayBuffer;
    }
  | {
      /** The answer to `tasks`: a result for each, in order, and their rows in one set (its `files` says whose each row is). */
      readonly type: 'results';
      readonly id: number;
      readonly results: readonly SegmentResult[];
      readonly rows: readonly SegmentRows[];
      readonly busyMs: number;
      readonly idleMs: number;
      /** The pieces' buffers, moved back once checked. */
      readonly pieceBuffers: readonly ArrayBuffer[];
    }
  | { readonly type: 'error'; readonly id: number; readonly message: string }
  | ReadRequest;

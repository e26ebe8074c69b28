/** Messages between the command line and its worker threads (verification, policy-diff's replay, sample's ranking). */
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentTask } from '../../shared/engine/segment-task.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { BundleSide } from '../../shared/policy/diff.ts';
import type { ImpactPart } from '../../shared/policy/impact.ts';
import type { SampleRule } from '../../shared/sampling/piece.ts';

export interface WorkerInit {
  readonly module: string;
  readonly archivePath: string;
  /** The pool's shared Cedar decisions (shared/decisions/shared-memo.ts), one buffer for every thread. */
  readonly decisions?: SharedArrayBuffer;
}

/** A verification thread's first message (pool-runner.ts's `warmPool`): what it checks segments under. */
export interface SetupMessage {
  readonly type: 'setup';
  readonly setup: RunnerSetup;
}

/**
 * A task for a worker: a verification worker's `SegmentTask`s (several whole small files at once,
 * or one piece), a replay or sample worker's piece.
 */
export type ToWorker<T = SegmentTask[]> = { readonly type: 'task'; readonly id: number; readonly task: T };

/** What a worker says: set up, a task's result, or why a task failed. */
export type FromWorker<R = SegmentResult[]> =
  | { readonly type: 'ready' }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly result: R;
      /** The task's piece buffers, moved back once nothing of them is held, to be read into again. */
      readonly pieceBuffers?: ArrayBuffer[];
    }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** A replay worker's set-up (`tickmark policy-diff`): the two versions every request is replayed under. */
export interface ReplayWorkerInit {
  readonly job: 'replay';
  readonly module: string;
  readonly from: BundleSide;
  readonly to: BundleSide;
  /** As WorkerInit's: the replay pool's shared Cedar decisions. */
  readonly decisions?: SharedArrayBuffer;
}

/** One piece replayed: what the worker's collector gathered, and the lines that were not requests. */
export interface ReplayResult {
  readonly part: ImpactPart;
  readonly notReadLines: number;
}

/** A sample worker's set-up (`tickmark sample`): the rule every piece is ranked under. */
export interface SampleWorkerInit {
  readonly job: 'sample';
  readonly module: string;
  readonly rule: SampleRule;
}

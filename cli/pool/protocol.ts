/** Messages between the command line and its worker threads (verification, and policy-diff's replay). */
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentTask } from '../../shared/engine/segment-task.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { SegmentPiece } from '../../shared/engine/pieces.ts';
import type { BundleSide } from '../../shared/policy/diff.ts';
import type { ImpactPart } from '../../shared/policy/impact.ts';

export interface WorkerInit {
  readonly module: string;
  readonly archivePath: string;
  readonly setup: RunnerSetup;
}

export type ToWorker = { readonly type: 'task'; readonly id: number; readonly task: SegmentTask };

export type FromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly result: SegmentResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** A replay worker's set-up (`tickmark policy-diff`): the two versions every request is replayed under. */
export interface ReplayWorkerInit {
  readonly job: 'replay';
  readonly module: string;
  readonly from: BundleSide;
  readonly to: BundleSide;
}

/** One piece replayed: what the worker's collector gathered, and the lines that were not requests. */
export interface ReplayResult {
  readonly part: ImpactPart;
  readonly notReadLines: number;
}

export type ReplayToWorker = { readonly type: 'task'; readonly id: number; readonly piece: SegmentPiece };

export type ReplayFromWorker =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly result: ReplayResult }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

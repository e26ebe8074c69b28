/** Messages between the command line and its verification workers. */
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentTask } from '../../shared/engine/segment-task.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';

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

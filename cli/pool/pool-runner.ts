/**
 * A pool of worker threads that check ledger segments in parallel (the map step); the
 * engine merges their results in order. The engine's thread reads each segment file once
 * and sends its pieces' bytes to the workers (transferred, not copied), so a file of any
 * size is many small tasks; a worker opens the archive itself only if given a whole file.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentRunner, SegmentTask } from '../../shared/engine/segment-task.ts';
import { startWorkerPool, type WorkerPool } from '../../shared/engine/pool-core.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { SegmentPiece } from '../../shared/engine/pieces.ts';
import type { BundleSide } from '../../shared/policy/diff.ts';
import type { SamplePart, SamplePieceTask, SampleRule } from '../../shared/sampling/piece.ts';
import type { FromWorker, ReplayResult, ReplayWorkerInit, SampleWorkerInit, ToWorker, WorkerInit } from './protocol.ts';
import { poolWorkerScript, type WorkerScript } from './worker-bundle.ts';

/** Runs the TypeScript worker through tsx: only when the bundle cannot be built (worker-bundle.ts). */
const BOOTSTRAP = fileURLToPath(new URL('./worker-bootstrap.mjs', import.meta.url));
/** Old-generation heap of each worker, MiB: several times what one segment of 10,000 receipts needs. */
const WORKER_HEAP_MIB = 160;
/**
 * Young generation of each worker, MiB (8 MiB semi-spaces instead of V8's 16): a segment's
 * garbage is short-lived. Measured with test/bench/verify-child.ts at 300,000 receipts,
 * it lowers the peak by 20 to 50 MiB for about 1% more CPU; 16 was no lower, 32 higher.
 */
const WORKER_YOUNG_GENERATION_MIB = 24;
const WORKER_MODULE = new URL('./verify-worker.ts', import.meta.url).href;

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism());
}

export interface PoolOptions {
  /** Where the workers' code comes from; default the cached bundle, else tsx (worker-bundle.ts). */
  readonly script?: WorkerScript;
}

/**
 * Starts `size` workers for one archive; resolves when all are ready. The queue, dispatch
 * and the failure rule are the shared pool core's (shared/engine/pool-core.ts); this file
 * is only the worker_threads transport: start a worker, post a task, listen, terminate.
 */
export async function startPool(
  archivePath: string,
  setup: RunnerSetup,
  size = defaultPoolSize(),
  options: PoolOptions = {},
): Promise<SegmentRunner> {
  const workerData: WorkerInit = { module: WORKER_MODULE, archivePath, setup };
  // A piece's bytes move to the worker (transferred, not copied); nothing else is large.
  const pool = await startThreads<SegmentTask, SegmentResult>(workerData, size, options, 'verification', (task) =>
    task.piece ? [task.piece.bytes.buffer as ArrayBuffer] : [],
  );
  return {
    name: `a pool of ${size} worker thread${size === 1 ? '' : 's'}`,
    concurrency: size,
    run: (task) => pool.run(task),
    close: () => pool.close(),
    takesPieces: true,
  };
}

/** What a command's pieces run through: a pool of worker threads, or this thread. */
export interface TaskRunner<T, R> {
  readonly concurrency: number;
  run(task: T): Promise<R>;
  close(): Promise<void>;
}

/**
 * The pool `start` gives when `workers` > 1; else, or when it cannot start, `inThisThread()`.
 * A pool that cannot start costs time, not answers (as `tickmark verify` does): `note` says
 * why, and that the work runs `doing` (e.g. "replaying in this thread").
 */
export async function poolOrThisThread<T, R>(
  workers: number,
  start: () => Promise<TaskRunner<T, R>>,
  inThisThread: () => TaskRunner<T, R>,
  note: ((text: string) => void) | undefined,
  doing: string,
): Promise<TaskRunner<T, R>> {
  if (workers > 1) {
    try {
      return await start();
    } catch (error) {
      note?.(`the worker pool could not start (${(error as Error).message ?? String(error)}); ${doing}`);
    }
  }
  return inThisThread();
}

/** A pool replaying pieces of segment files for `tickmark policy-diff` (replay-worker.ts). */
export type ReplayPool = TaskRunner<SegmentPiece, ReplayResult>;

/**
 * Starts `size` replay workers, each with its own Cedar and memo, for the versions `from`
 * and `to`; the same transport, limits and failure rule as the verification pool.
 */
export async function startReplayPool(
  from: BundleSide,
  to: BundleSide,
  size = defaultPoolSize(),
  options: PoolOptions = {},
): Promise<ReplayPool> {
  const workerData: ReplayWorkerInit = { job: 'replay', module: WORKER_MODULE, from, to };
  return taskRunner(
    await startThreads<SegmentPiece, ReplayResult>(workerData, size, options, 'replay', (piece) => [
      piece.bytes.buffer as ArrayBuffer,
    ]),
  );
}

/** A pool ranking pieces of segment files for `tickmark sample` (sample-worker.ts). */
export type SamplePool = TaskRunner<SamplePieceTask, SamplePart>;

/**
 * Starts `size` sample workers, each hashing and ranking the pieces it is sent under
 * `rule`; the same transport, limits and failure rule as the verification pool.
 */
export async function startSamplePool(
  rule: SampleRule,
  size = defaultPoolSize(),
  options: PoolOptions = {},
): Promise<SamplePool> {
  const workerData: SampleWorkerInit = { job: 'sample', module: WORKER_MODULE, rule };
  return taskRunner(
    await startThreads<SamplePieceTask, SamplePart>(workerData, size, options, 'sample', (task) => [
      task.piece.bytes.buffer as ArrayBuffer,
    ]),
  );
}

function taskRunner<T, R>(pool: WorkerPool<T, R>): TaskRunner<T, R> {
  return { concurrency: pool.size, run: (task) => pool.run(task), close: () => pool.close() };
}

/**
 * The worker_threads transport of every pool: `size` threads of the pool's one worker
 * script, each started with `workerData`, speaking protocol.ts; `transfer` names the
 * buffers a task moves rather than copies.
 */
async function startThreads<T, R>(
  workerData: WorkerInit | ReplayWorkerInit | SampleWorkerInit,
  size: number,
  options: PoolOptions,
  what: string,
  transfer: (task: T) => ArrayBuffer[],
): Promise<WorkerPool<T, R>> {
  const script = options.script ?? (await poolWorkerScript());
  return startWorkerPool<T, R>({
    size,
    start: (events) => {
      // A worker retains little between tasks (tens of MiB); a bounded heap makes V8
      // collect early instead of growing toward its machine-sized default.
      const worker = new Worker(script.kind === 'bundle' ? script.file : BOOTSTRAP, {
        workerData,
        resourceLimits: {
          maxOldGenerationSizeMb: WORKER_HEAP_MIB,
          maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MIB,
        },
      });
      worker.on('message', (message: FromWorker<R>) => {
        if (message.type === 'ready') events.ready();
        else if (message.type === 'result') events.done(message.result);
        else events.failed(new Error(`${what} worker failed: ${message.message}`));
      });
      worker.on('error', (error) => events.failed(error));
      worker.on('messageerror', (error) => events.failed(error));
      // A worker that stops on its own; after the pool terminates its workers, the core ignores this.
      worker.on('exit', (code) => events.failed(new Error(`a ${what} worker exited (code ${code})`)));
      return {
        send: (id, task) => worker.postMessage({ type: 'task', id, task } satisfies ToWorker<T>, transfer(task)),
        terminate: () => worker.terminate(),
      };
    },
  });
}

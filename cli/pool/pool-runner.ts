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
import { pieceBuffersOf, runAlone, type SegmentRunner, type SegmentTask } from '../../shared/engine/segment-task.ts';
import { startWorkerPool, type WorkerEvents, type WorkerLink, type WorkerPool } from '../../shared/engine/pool-core.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { SegmentPiece } from '../../shared/engine/pieces.ts';
import type { BundleSide } from '../../shared/policy/diff.ts';
import type { SamplePart, SamplePieceTask, SampleRule } from '../../shared/sampling/piece.ts';
import type {
  FromWorker,
  ReplayResult,
  ReplayWorkerInit,
  SampleWorkerInit,
  SetupMessage,
  ToWorker,
  WorkerInit,
} from './protocol.ts';
import { poolWorkerScript, type WorkerScript } from './worker-bundle.ts';
import { SharedDecisions } from '../../shared/decisions/shared-memo.ts';

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
/**
 * Pieces sent to a verification worker at once (serve-tasks.ts runs them in order): its next
 * piece waits in its own queue, not on the command's thread, which may be reading a file.
 */
const TASKS_PER_WORKER = 2;

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism());
}

export interface PoolOptions {
  /** Where the workers' code comes from; default the cached bundle, else tsx (worker-bundle.ts). */
  readonly script?: WorkerScript;
  /**
   * Given the buffers of pieces that a thread has checked (or replayed, or ranked) and moves
   * back, for the reader to read the next pieces into (pieces.ts's FreePieceBuffers, also given
   * to `splitIntoPieces`): a new buffer for every piece is fresh memory, zeroed and faulted in.
   */
  readonly pieceBuffers?: { give(buffer: ArrayBuffer): void };
}

/**
 * Starts `size` workers for one archive; resolves when all are ready. The queue, dispatch
 * and the failure rule are the shared pool core's (shared/engine/pool-core.ts); this file
 * is only the worker_threads transport: start a worker, post a task, listen, terminate.
 * A warm pool started now and given its setup at once: one way to start for every run.
 */
export function startPool(
  archivePath: string,
  setup: RunnerSetup,
  size = defaultPoolSize(),
  options: PoolOptions = {},
): Promise<SegmentRunner> {
  return warmPool(archivePath, size, options).start(setup);
}

/**
 * Verification threads started before the engine knows their setup
 * (`EngineOptions.warmSegmentRunner`): each loads its code (the bundle, Cedar, native
 * crypto) while the engine reads the manifest, keys and bundles, then waits for the setup.
 */
export interface WarmPool {
  /** The engine's `segmentRunner`: sends every thread the setup; resolves when all are ready. */
  start(setup: RunnerSetup): Promise<SegmentRunner>;
  /** Stops the threads unless `start` took them (the engine closes a runner it was given). */
  close(): Promise<void>;
}

/** Starts `size` verification threads for one archive now; `start` gives them their setup. */
export function warmPool(archivePath: string, size = defaultPoolSize(), options: PoolOptions = {}): WarmPool {
  // One store of Cedar decisions for the pool: what one thread asked, the others need not.
  const workerData: WorkerInit = { module: WORKER_MODULE, archivePath, decisions: SharedDecisions.allocate() };
  const threads = (async () => {
    const script = options.script ?? (await poolWorkerScript());
    return Array.from({ length: size }, () =>
      spawnThread<SegmentResult[]>(script, workerData, 'verification', options.pieceBuffers),
    );
  })();
  // A thread that cannot even be created is `start`'s to report (the engine then checks in its
  // own thread); until `start` or `close` awaits it, the rejection is not an unhandled one.
  threads.catch(() => undefined);
  let taken = false;
  return {
    async start(setup) {
      if (taken) throw new Error('this warm pool was already started or closed');
      taken = true;
      const spawned = await threads;
      const pool = await startWorkerPool<SegmentTask[], SegmentResult[]>({
        size,
        tasksPerWorker: TASKS_PER_WORKER,
        start: (events, index) => {
          const thread = spawned[index] as Thread<SegmentResult[]>;
          // The pieces' bytes move to the worker (transferred, not copied); nothing else is large.
          const link = thread.attach(events, pieceBuffersOf);
          thread.worker.postMessage({ type: 'setup', setup } satisfies SetupMessage);
          return link;
        },
      });
      return segmentRunnerOf(pool);
    },
    async close() {
      if (taken) return;
      taken = true;
      const spawned = await threads.catch(() => []);
      await Promise.all(spawned.map((thread) => thread.worker.terminate().catch(() => undefined)));
    },
  };
}

/** A message to a verification thread holds one task or several (whole small files at once). */
function segmentRunnerOf(pool: WorkerPool<SegmentTask[], SegmentResult[]>): SegmentRunner {
  return {
    name: `a pool of ${pool.size} worker thread${pool.size === 1 ? '' : 's'}`,
    concurrency: pool.size,
    run: runAlone((tasks) => pool.run(tasks)),
    runMany: (tasks) => pool.run(tasks),
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
  const workerData: ReplayWorkerInit = {
    job: 'replay',
    module: WORKER_MODULE,
    from,
    to,
    decisions: SharedDecisions.allocate(),
  };
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
    start: (events) => spawnThread<R>(script, workerData, what, options.pieceBuffers).attach(events, transfer),
  });
}

/** One started worker thread, listened to from its start; `attach` connects it to a pool. */
interface Thread<R> {
  readonly worker: Worker;
  /** From now on the thread reports to `events` (what it said before is replayed first). */
  attach<T>(events: WorkerEvents<R>, transfer: (task: T) => ArrayBuffer[]): WorkerLink<T>;
}

/**
 * Starts one thread of the pool's worker script. What it says before a pool listens (a
 * warm thread that could not load, say) is kept and replayed to the pool, so no failure is
 * lost and no unheard 'error' event ends the process.
 */
function spawnThread<R>(
  script: WorkerScript,
  workerData: WorkerInit | ReplayWorkerInit | SampleWorkerInit,
  what: string,
  spent?: { give(buffer: ArrayBuffer): void },
): Thread<R> {
  // A worker retains little between tasks (tens of MiB); a bounded heap makes V8
  // collect early instead of growing toward its machine-sized default.
  const bundle = script.kind === 'bundle';
  const worker = new Worker(bundle ? script.file : BOOTSTRAP, {
    workerData,
    // The bundle needs no loader: a tsx given to this process (`--import tsx`) would only
    // cost each thread its start. The fallback registers tsx itself (worker-bootstrap.mjs).
    ...(bundle ? { execArgv: withoutTsx(process.execArgv) } : {}),
    resourceLimits: {
      maxOldGenerationSizeMb: WORKER_HEAP_MIB,
      maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MIB,
    },
  });
  let events: WorkerEvents<R> | null = null;
  const early: ((to: WorkerEvents<R>) => void)[] = [];
  const report = (say: (to: WorkerEvents<R>) => void) => (events ? say(events) : early.push(say));
  worker.on('message', (message: FromWorker<R>) => {
    if (message.type === 'ready') report((to) => to.ready());
    else if (message.type === 'result') {
      // Free before the result is merged: the reader may be waiting to read its next piece.
      for (const buffer of message.pieceBuffers ?? []) spent?.give(buffer);
      report((to) => to.done(message.result));
    } else report((to) => to.failed(new Error(`${what} worker failed: ${message.message}`)));
  });
  worker.on('error', (error) => report((to) => to.failed(error)));
  worker.on('messageerror', (error) => report((to) => to.failed(error)));
  // A worker that stops on its own; after the pool terminates its workers, the core ignores this.
  worker.on('exit', (code) => report((to) => to.failed(new Error(`a ${what} worker exited (code ${code})`))));
  return {
    worker,
    attach(to, transfer) {
      events = to;
      // Replayed after the pool holds this thread's link (never inside its `start`).
      if (early.length > 0) queueMicrotask(() => early.splice(0).forEach((say) => say(to)));
      return {
        send: (id, task) =>
          worker.postMessage({ type: 'task', id, task } satisfies ToWorker<typeof task>, transfer(task)),
        terminate: () => worker.terminate(),
      };
    },
  };
}

/**
 * `execArgv` without tsx's loader: `--import tsx`, `--import=tsx`, `--require tsx/cjs`, and the
 * tsx command's own `--require …/node_modules/tsx/dist/preflight.cjs --import
 * file:///…/node_modules/tsx/dist/loader.mjs`. Every other flag is kept.
 */
export function withoutTsx(execArgv: readonly string[]): string[] {
  const LOADER = /^(?:--import|--require|--loader|--experimental-loader|-r)$/;
  const isTsx = (value: string) => /^tsx(?:\/|$)/.test(value) || /[\\/]node_modules[\\/]tsx[\\/]/.test(value);
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    if (LOADER.test(arg) && isTsx(execArgv[i + 1] ?? '')) {
      i++;
      continue;
    }
    const joined = /^(--import|--require|--loader|--experimental-loader)=(.*)$/.exec(arg);
    if (joined && isTsx(joined[2] as string)) continue;
    kept.push(arg);
  }
  return kept;
}

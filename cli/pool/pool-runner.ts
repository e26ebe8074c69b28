/**
 * A pool of worker threads that check ledger segments in parallel (the map step); the
 * engine merges their results in order. Each worker opens the archive file itself, so no
 * archive bytes cross threads: only tasks in and small results out.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentRunner, SegmentTask } from '../../shared/engine/segment-task.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { FromWorker, ToWorker, WorkerInit } from './protocol.ts';
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

/** Starts `size` workers for one archive; resolves when all are ready. */
export async function startPool(
  archivePath: string,
  setup: RunnerSetup,
  size = defaultPoolSize(),
  options: PoolOptions = {},
): Promise<SegmentRunner> {
  const workers: Worker[] = [];
  const idle: Worker[] = [];
  const queue: { id: number; task: SegmentTask }[] = [];
  const waiting = new Map<number, { resolve: (r: SegmentResult) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let failed: Error | null = null;

  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop() as Worker;
      const job = queue.shift() as { id: number; task: SegmentTask };
      worker.postMessage({ type: 'task', id: job.id, task: job.task } satisfies ToWorker);
    }
  };

  const script = options.script ?? (await poolWorkerScript());
  const ready: Promise<void>[] = [];
  for (let i = 0; i < size; i++) {
    const workerData: WorkerInit = { module: WORKER_MODULE, archivePath, setup };
    // A worker retains little between segments (tens of MiB); a bounded heap makes V8
    // collect early instead of growing toward its machine-sized default.
    const worker = new Worker(script.kind === 'bundle' ? script.file : BOOTSTRAP, {
      workerData,
      resourceLimits: {
        maxOldGenerationSizeMb: WORKER_HEAP_MIB,
        maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MIB,
      },
    });
    workers.push(worker);
    ready.push(
      new Promise<void>((resolve, reject) => {
        worker.on('message', (message: FromWorker) => {
          if (message.type === 'ready') {
            idle.push(worker);
            resolve();
          } else {
            const job = waiting.get(message.id);
            waiting.delete(message.id);
            if (message.type === 'result') job?.resolve(message.result);
            else job?.reject(new Error(`verification worker failed: ${message.message}`));
            idle.push(worker);
          }
          dispatch();
        });
        worker.on('error', (error) => {
          failed = error;
          reject(error);
          for (const job of waiting.values()) job.reject(error);
          waiting.clear();
        });
      }),
    );
  }
  try {
    await Promise.all(ready);
  } catch (error) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw error;
  }

  return {
    name: `a pool of ${size} worker thread${size === 1 ? '' : 's'}`,
    concurrency: size,
    run(task: SegmentTask): Promise<SegmentResult> {
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        queue.push({ id, task });
        dispatch();
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

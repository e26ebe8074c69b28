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

const BOOTSTRAP = fileURLToPath(new URL('./worker-bootstrap.mjs', import.meta.url));
/** Old-generation heap of each worker, MiB: several times what one segment of 10,000 receipts needs. */
const WORKER_HEAP_MIB = 160;
const WORKER_MODULE = new URL('./verify-worker.ts', import.meta.url).href;

export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism());
}

/** Starts `size` workers for one archive; resolves when all are ready. */
export async function startPool(archivePath: string, setup: RunnerSetup, size = defaultPoolSize()): Promise<SegmentRunner> {
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

  const ready: Promise<void>[] = [];
  for (let i = 0; i < size; i++) {
    const workerData: WorkerInit = { module: WORKER_MODULE, archivePath, setup };
    // A worker retains little between segments (tens of MiB); a bounded heap makes V8
    // collect early instead of growing toward its machine-sized default.
    const worker = new Worker(BOOTSTRAP, { workerData, resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MIB } });
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

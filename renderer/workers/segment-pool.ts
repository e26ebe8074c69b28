/**
 * The app's pool of segment workers behind the engine's SegmentRunner (the map step; the
 * engine merges results in order). Results may arrive in any order; each segment's rows are
 * handed to `onRows` strictly in task order, and a task's promise settles only once its rows
 * (and all before them) were handed over — so the engine, which keeps a bounded number of
 * tasks in flight, is slowed by storage exactly as the single-worker path is.
 *
 * Runtime-neutral apart from the worker handle, so the ordering is tested under Node.
 */
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentRunner, SegmentTask } from '../../shared/engine/segment-task.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { SegmentRows } from './receipt-columns.ts';
import type { ReadAnswer, ReadRequest } from './relay.ts';
import type { FromSegmentWorker, ToSegmentWorker } from './segment-protocol.ts';
import type { ArchiveBytesSource } from './verify-protocol.ts';

/** The part of a Worker the pool uses. */
export interface WorkerHandle {
  postMessage(message: ToSegmentWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<FromSegmentWorker>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  terminate(): void;
}

export interface SegmentPoolOptions {
  readonly size: number;
  readonly createWorker: () => WorkerHandle;
  readonly source: ArchiveBytesSource;
  readonly setup: RunnerSetup;
  /** Receives each segment's rows, in task order, one at a time. */
  readonly onRows: (rows: SegmentRows) => Promise<void>;
  /** Answers a worker's read request (Electron's relayed bytes). */
  readonly onRead?: (request: ReadRequest, reply: (answer: ReadAnswer) => void) => void;
}

interface Job {
  readonly index: number;
  readonly task: SegmentTask;
  resolve(result: SegmentResult): void;
  reject(error: Error): void;
}

export async function startSegmentPool(options: SegmentPoolOptions): Promise<SegmentRunner> {
  const workers: WorkerHandle[] = [];
  const idle: WorkerHandle[] = [];
  const queue: Job[] = [];
  const running = new Map<WorkerHandle, Job>();
  /** Finished segments waiting for earlier ones, by task index. */
  const finished = new Map<number, { job: Job; result: SegmentResult; rows: SegmentRows }>();
  let nextIndex = 0;
  let nextToDeliver = 0;
  let delivering = false;
  let failed: Error | null = null;
  let signatures = '';

  /** Fails the pool: `job` (the one that failed, if any) and every task not yet settled. */
  const fail = (error: Error, job?: Job) => {
    job?.reject(failed ?? error);
    if (failed) return;
    failed = error;
    for (const waiting of [...queue, ...running.values(), ...[...finished.values()].map((f) => f.job)])
      waiting.reject(error);
    queue.length = 0;
    running.clear();
    finished.clear();
  };

  const dispatch = () => {
    while (!failed && idle.length > 0 && queue.length > 0) {
      const worker = idle.pop() as WorkerHandle;
      const job = queue.shift() as Job;
      running.set(worker, job);
      worker.postMessage({ type: 'task', id: job.index, task: job.task });
    }
  };

  const deliver = async () => {
    if (delivering) return;
    delivering = true;
    for (let ready = finished.get(nextToDeliver); ready && !failed; ready = finished.get(nextToDeliver)) {
      finished.delete(nextToDeliver);
      nextToDeliver++;
      try {
        await options.onRows(ready.rows);
        ready.job.resolve(ready.result);
      } catch (error) {
        fail(error as Error, ready.job);
      }
    }
    delivering = false;
  };

  const ready: Promise<void>[] = [];
  for (let i = 0; i < options.size; i++) {
    const worker = options.createWorker();
    workers.push(worker);
    ready.push(
      new Promise<void>((resolve, reject) => {
        worker.onmessage = (event) => {
          const message = event.data;
          switch (message.type) {
            case 'ready':
              signatures = message.signatures;
              idle.push(worker);
              resolve();
              break;
            case 'init-failed':
              reject(new Error(`A verification worker could not start: ${message.message}`));
              break;
            case 'read':
              if (options.onRead) options.onRead(message, (answer) => worker.postMessage(answer));
              else
                worker.postMessage({
                  type: 'bytes',
                  requestId: message.requestId,
                  bytes: null,
                  error: 'this source cannot be relayed',
                });
              break;
            case 'result':
            case 'error': {
              const job = running.get(worker);
              running.delete(worker);
              idle.push(worker);
              if (job && message.type === 'result') {
                finished.set(job.index, { job, result: message.result, rows: message.rows });
                void deliver();
              } else if (job && message.type === 'error') {
                fail(new Error(`A verification worker failed on ${job.task.path}: ${message.message}`), job);
              }
              dispatch();
              break;
            }
          }
        };
        worker.onerror = (event) => {
          event.preventDefault?.();
          const error = new Error(`A verification worker stopped: ${event.message || 'unknown error'}`);
          reject(error);
          fail(error);
        };
      }),
    );
    worker.postMessage({ type: 'init', source: options.source, setup: options.setup });
  }
  try {
    await Promise.all(ready);
  } catch (error) {
    for (const w of workers) w.terminate();
    throw error;
  }

  return {
    name: `a pool of ${options.size} Web Worker${options.size === 1 ? '' : 's'} (receipt signatures: ${signatures})`,
    concurrency: options.size,
    run(task: SegmentTask): Promise<SegmentResult> {
      if (failed) return Promise.reject(failed);
      return new Promise((resolve, reject) => {
        queue.push({ index: nextIndex++, task, resolve, reject });
        dispatch();
      });
    },
    async close() {
      for (const w of workers) w.terminate();
    },
  };
}

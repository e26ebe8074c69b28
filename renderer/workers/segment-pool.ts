/**
 * The app's pool of segment workers behind the engine's SegmentRunner (the map step; the
 * engine merges results in order). The engine (in the verify worker) reads each segment
 * file once and sends pieces of it with their bytes, so a file of any size is many tasks. Results may arrive in any order; each segment's rows are
 * handed to `onRows` strictly in task order, and a task's promise settles only once its rows
 * (and all before them) were handed over — so the engine, which keeps a bounded number of
 * tasks in flight, is slowed by storage exactly as the single-worker path is. The ordering,
 * the queue and the failure rule are the shared pool core's (shared/engine/pool-core.ts);
 * this file supplies the Web Worker transport: init, tasks, relayed reads, terminate.
 *
 * Runtime-neutral apart from the worker handle, so it is tested under Node.
 */
import type { SegmentResult } from '../../shared/engine/segment.ts';
import { pieceBuffersOf, runAlone, type SegmentRunner, type SegmentTask } from '../../shared/engine/segment-task.ts';
import { startWorkerPool } from '../../shared/engine/pool-core.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { SegmentRows } from './receipt-columns.ts';
import type { ReadAnswer, ReadRequest } from './relay.ts';
import type { FromSegmentWorker, ToSegmentWorker } from './segment-protocol.ts';
import type { ArchiveBytesSource } from './verify-protocol.ts';
import { sharedDecisionsBuffer } from '../../shared/decisions/shared-memo.ts';

/** The part of a Worker the pool uses. */
export interface WorkerHandle {
  postMessage(message: ToSegmentWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<FromSegmentWorker>) => void) | null;
  onerror: ((event: ErrorEvent) => void) | null;
  onmessageerror?: ((event: MessageEvent) => void) | null;
  terminate(): void;
}

export interface SegmentPoolOptions {
  readonly size: number;
  readonly createWorker: () => WorkerHandle;
  readonly source: ArchiveBytesSource;
  readonly setup: RunnerSetup;
  /** Receives each answer's rows (a piece's, or a group of whole small files'), in task order, one at a time. */
  readonly onRows: (rows: SegmentRows) => Promise<void>;
  /** Answers a worker's read request (Electron's relayed bytes). */
  readonly onRead?: (request: ReadRequest, reply: (answer: ReadAnswer) => void) => void;
  /** Whether a segment file's lines are kept as its stored bytes: its rows then come without them. */
  readonly linesKept?: (path: string) => boolean;
  /** Receives each piece's buffer as its worker gives it back, checked (to read the next pieces into). */
  readonly onPieceBuffer?: (buffer: ArrayBuffer) => void;
}

/**
 * What one segment worker answers for a message of one task or several (whole small files): the
 * results for the engine, the rows for the store, in the order of the tasks.
 */
interface Answer {
  readonly results: readonly SegmentResult[];
  readonly rows: SegmentRows;
}

/**
 * The Web Worker transport of the shared pool core (shared/engine/pool-core.ts), which owns
 * the queue, dispatch, the in-order delivery of rows and the failure rule.
 */
/** What each worker said of its time in its last answer (the import's benchmark). */
export interface PoolTimings {
  readonly busyMs: number;
  readonly idleMs: number;
}

export async function startSegmentPool(
  options: SegmentPoolOptions,
): Promise<SegmentRunner & { readonly timings: () => PoolTimings[] }> {
  let signatures = '';
  const timings: PoolTimings[] = [];
  const spareLines = new SpareLineBuffers();
  let started = 0;
  // One store of Cedar decisions for the pool's workers, where this page can share memory.
  const decisions = options.setup.controlIds.length > 0 ? sharedDecisionsBuffer() : undefined;
  const pool = await startWorkerPool<SegmentTask[], Answer>({
    size: options.size,
    // A worker's next piece waits in its own queue (segment.worker.ts runs them in order), not
    // on the verify worker's event loop: between the pieces of 200,000 receipts each worker
    // waited about 12 ms for the next one, 1.2–1.5 s in all, while that loop read files.
    tasksPerWorker: 2,
    deliver: async ({ rows }) => {
      await options.onRows(rows);
      // Copied out by now (onRows builds the line chunks from them): the buffer goes back to a worker.
      if (!rows.linesLeftOut) spareLines.give(rows.lines.bytes.buffer as ArrayBuffer);
    },
    start: (events) => {
      const worker = options.createWorker();
      const number = started++;
      /** The tasks sent and not yet answered, by id, to name one when it fails. */
      const sent = new Map<number, SegmentTask[]>();
      worker.onmessage = (event) => {
        const message = event.data;
        switch (message.type) {
          case 'ready':
            signatures = message.signatures;
            events.ready();
            break;
          case 'init-failed':
            events.failed(new Error(`A verification worker could not start: ${message.message}`));
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
          case 'results':
            sent.delete(message.id);
            timings[number] = { busyMs: message.busyMs, idleMs: message.idleMs };
            for (const buffer of message.pieceBuffers) options.onPieceBuffer?.(buffer);
            events.done({ results: message.results, rows: message.rows });
            break;
          case 'error':
            events.failed(
              new Error(
                `A verification worker failed on ${sent
                  .get(message.id)
                  ?.map((task) => task.path)
                  .join(', ')}: ${message.message}`,
              ),
            );
            break;
        }
      };
      worker.onerror = (event) => {
        event.preventDefault?.();
        events.failed(new Error(`A verification worker stopped: ${event.message || 'unknown error'}`));
      };
      worker.onmessageerror = () =>
        events.failed(new Error('A verification worker sent a message that could not be read'));
      worker.postMessage({ type: 'init', source: options.source, setup: options.setup, decisions });
      return {
        send: (id, batch) => {
          sent.set(id, batch);
          const linesKept = batch.map((task) => options.linesKept?.(task.path) === true);
          // A single piece whose lines come back gets a buffer they came in before, where one is
          // spare (whole small files' lines come back in one buffer of their size).
          const linesBuffer = batch.length === 1 && batch[0]?.piece && !linesKept[0] ? spareLines.take() : undefined;
          // The pieces' bytes move to the worker (transferred, not copied), and so does that buffer.
          worker.postMessage({ type: 'tasks', id, tasks: batch, linesKept, ...(linesBuffer ? { linesBuffer } : {}) }, [
            ...pieceBuffersOf(batch),
            ...(linesBuffer ? [linesBuffer] : []),
          ]);
        },
        terminate: () => worker.terminate(),
      };
    },
  });

  return {
    name: `a pool of ${options.size} Web Worker${options.size === 1 ? '' : 's'} (receipt signatures: ${signatures})`,
    concurrency: options.size,
    run: runAlone(async (tasks) => (await pool.run(tasks)).results),
    runMany: async (tasks) => [...(await pool.run(tasks)).results],
    close: () => pool.close(),
    takesPieces: true,
    timings: () => timings.filter((t): t is PoolTimings => t !== undefined),
  };
}

/** Spare line buffers kept at most: one per piece in flight in a pool of two. */
const MAX_SPARE_LINE_BUFFERS = 4;
/** Smaller buffers are not worth a move (a file's last lines, a small file's). */
const MIN_SPARE_LINE_BYTES = 256 * 1024;
/** Larger ones are not kept: a piece's lines fill about 4 MiB (`PIECE_BYTES`); a whole file's could be far more. */
const MAX_SPARE_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Buffers that pieces' lines came back in, once their lines were copied into the line chunks:
 * each goes with a later task to a worker, which packs that piece's lines into it. A new buffer
 * for every piece was fresh memory, a page fault per 4 KiB, in the worker that filled it.
 */
export class SpareLineBuffers {
  private readonly spare: ArrayBuffer[] = [];

  give(buffer: ArrayBuffer): void {
    const size = buffer.byteLength;
    if (size >= MIN_SPARE_LINE_BYTES && size <= MAX_SPARE_LINE_BYTES && this.spare.length < MAX_SPARE_LINE_BUFFERS)
      this.spare.push(buffer);
  }

  take(): ArrayBuffer | undefined {
    return this.spare.pop();
  }
}

/**
 * Segment workers started before their setup is known (`EngineOptions.warmSegmentRunner`):
 * each fetches and compiles its script and loads Cedar and the hashing while the engine
 * reads the archive's manifest, keys and bundles. `take` hands one to the pool
 * (`createWorker`); `terminate` stops those never taken.
 */
export interface WarmWorkers {
  take(): WorkerHandle | undefined;
  terminate(): void;
}

export function warmSegmentWorkers(create: () => WorkerHandle, size: number): WarmWorkers {
  const waiting: WorkerHandle[] = [];
  for (let i = 0; i < size; i++) {
    const worker = heldWorker(create());
    worker.postMessage({ type: 'warm' });
    waiting.push(worker);
  }
  return {
    take: () => waiting.shift(),
    terminate: () => waiting.splice(0).forEach((worker) => worker.terminate()),
  };
}

/**
 * A worker whose events are kept until a handler is set, then handed to it: a warm worker
 * that fails to load says so before the pool listens, and the pool must still hear it (it
 * would otherwise wait for a `ready` that never comes).
 */
export function heldWorker(worker: WorkerHandle): WorkerHandle {
  type Kind = 'onmessage' | 'onerror' | 'onmessageerror';
  const early: { kind: Kind; event: Event }[] = [];
  const handlers: Pick<WorkerHandle, Kind> = { onmessage: null, onerror: null, onmessageerror: null };
  const handlerOf = (kind: Kind) => handlers[kind] as unknown as ((event: Event) => void) | null | undefined;
  const replay = () => {
    for (let i = 0; i < early.length;) {
      const { kind, event } = early[i] as { kind: Kind; event: Event };
      const handler = handlerOf(kind);
      if (!handler) i++;
      else {
        early.splice(i, 1);
        handler(event);
      }
    }
  };
  const route = (kind: Kind) => (event: Event) => {
    const handler = handlerOf(kind);
    if (handler) return handler(event);
    // An error kept for later is not the page's uncaught error.
    if (kind === 'onerror') event.preventDefault?.();
    early.push({ kind, event });
  };
  worker.onmessage = route('onmessage');
  worker.onerror = route('onerror');
  worker.onmessageerror = route('onmessageerror');
  const handle = {
    postMessage: (message: ToSegmentWorker, transfer?: Transferable[]) =>
      transfer === undefined ? worker.postMessage(message) : worker.postMessage(message, transfer),
    terminate: () => worker.terminate(),
  } as WorkerHandle;
  for (const kind of ['onmessage', 'onerror', 'onmessageerror'] as const)
    Object.defineProperty(handle, kind, {
      get: () => handlers[kind],
      set: (handler: WorkerHandle[Kind]) => {
        (handlers as Record<Kind, unknown>)[kind] = handler;
        // After the setter's caller has finished setting up (the pool posts `init` next).
        if (handler && early.length > 0) queueMicrotask(replay);
      },
      enumerable: true,
    });
  return handle;
}

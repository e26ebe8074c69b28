/**
 * The app's segment pool, with stand-in workers that answer out of order: rows reach the
 * store in task order, each task settles only after its rows were handed over, failures
 * reach every waiting task, and relayed reads go through.
 */
import { describe, expect, it } from 'vitest';
import { emptySegmentResult, type SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentTask } from '../../shared/engine/segment-task.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import { DEFAULT_LIMITS } from '../../shared/archive/source.ts';
import { SegmentRowsBuilder, type SegmentRows } from './receipt-columns.ts';
import { sharedDecisionsBuffer } from '../../shared/decisions/shared-memo.ts';
import type { FromSegmentWorker, ToSegmentWorker } from './segment-protocol.ts';
import { heldWorker, startSegmentPool, warmSegmentWorkers, type WorkerHandle } from './segment-pool.ts';

const setup: RunnerSetup = { keys: null, trustedRoots: [], bundles: [], limits: DEFAULT_LIMITS, controlIds: [] };
const source = { kind: 'relay', size: 10, name: 'a.zip' } as const;
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function resultOf(task: SegmentTask): SegmentResult {
  return { ...emptySegmentResult(task.path, task.ledger, 0), lines: 1 };
}

/** One set of rows for a message's tasks, one line each, as segment.worker.ts builds them. */
function rowsOf(batch: readonly SegmentTask[], lineBytes?: number): SegmentRows {
  let rows: SegmentRowsBuilder | undefined;
  for (const task of batch) {
    if (rows) rows.next(task.ledger, task.path);
    else rows = new SegmentRowsBuilder(task.ledger, task.path, lineBytes);
    rows.add({
      ledger: task.ledger,
      path: task.path,
      line: 1,
      text: `{"path":"${task.path}"}`,
      hash: 'sha256:00',
      receipt: null,
    });
  }
  return (rows as SegmentRowsBuilder).finish();
}

/**
 * A stand-in worker: runs its tasks one after another, as segment.worker.ts does, each
 * answered `delay(path)` ms after it began.
 */
function fakeWorker(options: {
  delay: (path: string) => number;
  failOn?: string;
  initFails?: boolean;
  readFirst?: boolean;
  /** Every message the worker is sent. */
  seen?: ToSegmentWorker[];
  /** The size of the buffer each answer's lines come in (the builder's default otherwise). */
  lineBytes?: number;
}): WorkerHandle {
  let previous: Promise<void> = Promise.resolve();
  const worker: WorkerHandle = {
    onmessage: null,
    onerror: null,
    terminate: () => undefined,
    postMessage(message: ToSegmentWorker) {
      options.seen?.push(message);
      const answer = (data: FromSegmentWorker) =>
        setTimeout(() => worker.onmessage?.({ data } as MessageEvent<FromSegmentWorker>), 0);
      if (message.type === 'init') {
        answer(options.initFails ? { type: 'init-failed', message: 'no wasm' } : { type: 'ready', signatures: 'fake' });
      } else if (message.type === 'tasks') {
        // Its tasks in order, answered in one message, as segment.worker.ts's runTasks does.
        const { id, tasks: batch } = message;
        previous = previous.then(
          () =>
            new Promise<void>((resolve) => {
              if (options.readFirst) answer({ type: 'read', requestId: id, offset: id, length: 1 });
              setTimeout(
                () => {
                  worker.onmessage?.({
                    data: batch.some((task) => task.path === options.failOn)
                      ? { type: 'error', id, message: 'boom' }
                      : {
                          type: 'results',
                          id,
                          results: batch.map(resultOf),
                          rows: rowsOf(batch, options.lineBytes),
                          busyMs: 0,
                          idleMs: 0,
                          pieceBuffers: [],
                        },
                  } as MessageEvent<FromSegmentWorker>);
                  resolve();
                },
                Math.max(...batch.map((task) => options.delay(task.path))),
              );
            }),
        );
      }
    },
  };
  return worker;
}

/** A pool of one stand-in worker that answers at once and records what it is sent in `seen`. */
function poolOfOne(
  seen: ToSegmentWorker[],
  options: Partial<Parameters<typeof startSegmentPool>[0]> = {},
  lineBytes?: number,
): ReturnType<typeof startSegmentPool> {
  return startSegmentPool({
    size: 1,
    createWorker: () => fakeWorker({ delay: () => 0, seen, lineBytes }),
    source,
    setup,
    onRows: () => Promise.resolve(),
    ...options,
  });
}

const tasks: SegmentTask[] = Array.from({ length: 12 }, (_, i) => ({
  ledger: i < 6 ? 'a' : 'b',
  path: `ledgers/${i < 6 ? 'a' : 'b'}/${String(i).padStart(6, '0')}.jsonl`,
  checkpointRuns: [],
}));

describe('startSegmentPool', () => {
  it('hands rows over in task order although workers finish out of order, and settles each task after its rows', async () => {
    const delivered: string[] = [];
    const settled: string[] = [];
    // Later tasks finish first; storing takes time too.
    const pool = await startSegmentPool({
      size: 3,
      createWorker: () => fakeWorker({ delay: (path) => 40 - Number(path.slice(-12, -6)) * 3 }),
      source,
      setup,
      onRows: async (rows) => {
        await tick(2);
        delivered.push(rows.path);
      },
    });
    expect(pool.name).toBe('a pool of 3 Web Workers (receipt signatures: fake)');
    const results = await Promise.all(
      tasks.map((task) =>
        pool.run(task).then((result) => {
          expect(delivered).toContain(task.path);
          settled.push(result.path);
          return result.path;
        }),
      ),
    );
    await pool.close();
    expect(delivered).toEqual(tasks.map((t) => t.path));
    expect(settled).toEqual(tasks.map((t) => t.path));
    expect(results).toEqual(tasks.map((t) => t.path));
  });

  it('tells a worker which files are kept as their stored bytes (their rows then come without lines), and no other', async () => {
    const seen: ToSegmentWorker[] = [];
    const kept = tasks[1]?.path;
    const pool = await poolOfOne(seen, { linesKept: (path) => path === kept });
    await Promise.all(tasks.map((task) => pool.run(task)));
    await pool.close();
    const sent = seen.flatMap((m) => (m.type === 'tasks' ? m.tasks.map((t, i) => [t.path, m.linesKept[i]]) : []));
    expect(sent).toEqual(tasks.map((t) => [t.path, t.path === kept]));
  });

  it('sends the buffers rows came in back with later pieces, once their lines were handed over; never with a kept file', async () => {
    const seen: ToSegmentWorker[] = [];
    const kept = tasks[7]?.path;
    const delivered: ArrayBuffer[] = [];
    const pool = await poolOfOne(
      seen,
      {
        onRows: async (rows) => {
          await tick(1);
          delivered.push(rows.lines.bytes.buffer as ArrayBuffer);
        },
        linesKept: (path) => path === kept,
      },
      1 << 20,
    );
    const piece = (bytes: number) => ({
      index: 0,
      firstLine: 1,
      offset: 0,
      bytes: new Uint8Array(bytes),
      span: bytes,
      last: true,
    });
    // One after another: each piece's task is sent after the rows before it were handed over.
    for (const task of tasks) await pool.run({ ...task, piece: piece(10) });
    // A task without a piece (a whole file) takes none.
    await pool.run({ ...(tasks[0] as SegmentTask), path: 'ledgers/a/whole.jsonl' });
    await pool.close();
    const sent = seen.flatMap((m) => (m.type === 'tasks' ? [m] : []));
    expect(sent.every((m) => m.tasks.length === 1)).toBe(true);
    expect(sent[0]?.linesBuffer).toBeUndefined();
    for (const [i, message] of sent.entries()) {
      if (i === 0) continue;
      const task = message.tasks[0] as SegmentTask;
      if (task.path === kept || !task.piece) expect(message.linesBuffer).toBeUndefined();
      // The buffer of a task handed over before this one was sent, each sent once.
      else expect(delivered.slice(0, i)).toContain(message.linesBuffer);
    }
    const buffers = sent.flatMap((m) => (m.linesBuffer ? [m.linesBuffer] : []));
    expect(buffers.length).toBe(tasks.length - 2);
    expect(new Set(buffers).size).toBe(buffers.length);
  });

  it('keeps no buffer too small to be worth moving, nor one far larger than a piece', async () => {
    const seen: ToSegmentWorker[] = [];
    const pool = await poolOfOne(seen);
    const bytes = new Uint8Array(10);
    for (const task of tasks.slice(0, 4))
      await pool.run({ ...task, piece: { index: 0, firstLine: 1, offset: 0, bytes, span: 10, last: true } });
    await pool.close();
    const large: ToSegmentWorker[] = [];
    const pool2 = await poolOfOne(large, {}, (16 << 20) + 1);
    for (const task of tasks.slice(0, 4))
      await pool2.run({ ...task, piece: { index: 0, firstLine: 1, offset: 0, bytes, span: 10, last: true } });
    await pool2.close();
    for (const sent of [seen, large]) expect(sent.some((m) => m.type === 'tasks' && m.linesBuffer)).toBe(false);
  });

  it('a worker error fails that task and every task still waiting, and later runs are refused', async () => {
    const pool = await startSegmentPool({
      size: 2,
      createWorker: () => fakeWorker({ delay: () => 5, failOn: tasks[3]?.path as string }),
      source,
      setup,
      onRows: async () => undefined,
    });
    const outcomes = await Promise.allSettled(tasks.map((task) => pool.run(task)));
    const states = outcomes.map((o) => o.status);
    expect(states.slice(0, 3)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(states.slice(3).every((s) => s === 'rejected')).toBe(true);
    expect(String((outcomes[3] as PromiseRejectedResult).reason)).toContain(`failed on ${tasks[3]?.path}: boom`);
    await expect(pool.run(tasks[0] as SegmentTask)).rejects.toThrow('boom');
  });

  it('a storing failure fails the waiting tasks', async () => {
    const pool = await startSegmentPool({
      size: 2,
      createWorker: () => fakeWorker({ delay: () => 1 }),
      source,
      setup,
      onRows: async (rows) => {
        if (rows.path === tasks[2]?.path) throw new Error('disk full');
      },
    });
    const outcomes = await Promise.allSettled(tasks.slice(0, 5).map((task) => pool.run(task)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
  });

  it('a worker that cannot start makes the pool refuse to start, naming why', async () => {
    await expect(
      startSegmentPool({
        size: 2,
        createWorker: () => fakeWorker({ delay: () => 1, initFails: true }),
        source,
        setup,
        onRows: async () => undefined,
      }),
    ).rejects.toThrow('A verification worker could not start: no wasm');
  });

  it('relays a worker’s reads to onRead and its answer back', async () => {
    const asked: number[] = [];
    const answered: number[] = [];
    const pool = await startSegmentPool({
      size: 1,
      createWorker: () => {
        const worker = fakeWorker({ delay: () => 5, readFirst: true });
        const post = worker.postMessage.bind(worker);
        worker.postMessage = (message: ToSegmentWorker) => {
          if (message.type === 'bytes') answered.push(message.requestId);
          post(message);
        };
        return worker;
      },
      source,
      setup,
      onRows: async () => undefined,
      onRead: (request, reply) => {
        asked.push(request.offset);
        reply({ type: 'bytes', requestId: request.requestId, bytes: new Uint8Array([1]) });
      },
    });
    await pool.run(tasks[0] as SegmentTask);
    await pool.run(tasks[1] as SegmentTask);
    expect(asked).toEqual([0, 1]);
    expect(answered).toEqual([0, 1]);
  });

  it('warm workers: told to load at once, taken by the pool first, the ones never taken stopped', async () => {
    const said: string[] = [];
    let made = 0;
    const create = () => {
      const number = ++made;
      const worker = fakeWorker({ delay: () => 1 });
      const post = worker.postMessage.bind(worker);
      worker.postMessage = (message: ToSegmentWorker) => {
        said.push(`${number} ${message.type}`);
        post(message);
      };
      worker.terminate = () => void said.push(`${number} stopped`);
      return worker;
    };
    const warm = warmSegmentWorkers(create, 3);
    expect(said).toEqual(['1 warm', '2 warm', '3 warm']);
    const pool = await startSegmentPool({
      size: 2,
      createWorker: () => warm.take() ?? create(),
      source,
      setup,
      onRows: async () => undefined,
    });
    await pool.run(tasks[0] as SegmentTask);
    warm.terminate();
    expect(made).toBe(3);
    // The pool's two workers are the first two warm ones; the third, never taken, is stopped.
    expect(said.slice(3, 5)).toEqual(['1 init', '2 init']);
    expect(said[5]).toMatch(/^[12] tasks$/);
    expect(said.slice(6)).toEqual(['3 stopped']);
    await pool.close();
  });

  it('a held worker keeps what it said before anyone listened, and hands it over in order', async () => {
    const inner: WorkerHandle = {
      onmessage: null,
      onerror: null,
      terminate: () => undefined,
      postMessage: () => undefined,
    };
    const held = heldWorker(inner);
    let prevented = 0;
    const error = { message: 'cannot load', preventDefault: () => void prevented++ } as unknown as ErrorEvent;
    inner.onmessage?.({ data: { type: 'init-failed', message: 'first' } } as MessageEvent<FromSegmentWorker>);
    inner.onerror?.(error);
    // An error kept for later is not reported as the page's.
    expect(prevented).toBe(1);
    const heard: string[] = [];
    held.onmessage = (event) => void heard.push(`message ${event.data.type}`);
    held.onerror = (event) => void heard.push(`error ${event.message}`);
    expect(heard).toEqual([]);
    await tick(0);
    expect(heard).toEqual(['message init-failed', 'error cannot load']);
    // From then on, straight through.
    inner.onmessage?.({ data: { type: 'ready', signatures: 'x' } } as MessageEvent<FromSegmentWorker>);
    expect(heard.at(-1)).toBe('message ready');
  });

  it('a warm worker that failed before the pool listened refuses the pool', async () => {
    const create = (): WorkerHandle => {
      const worker = fakeWorker({ delay: () => 1 });
      // Fails as it loads: an error before any handler of the pool's is set.
      setTimeout(() => worker.onerror?.({ message: 'script not found', preventDefault() {} } as ErrorEvent), 0);
      worker.postMessage = () => undefined;
      return worker;
    };
    const warm = warmSegmentWorkers(create, 2);
    await tick(5);
    await expect(
      startSegmentPool({
        size: 2,
        createWorker: () => warm.take() ?? create(),
        source,
        setup,
        onRows: async () => undefined,
      }),
    ).rejects.toThrow('A verification worker stopped: script not found');
  });
});

describe('the pool’s shared Cedar decisions', () => {
  const withIsolation = async (isolated: boolean, run: () => Promise<void>) => {
    const scope = globalThis as { crossOriginIsolated?: boolean };
    const before = scope.crossOriginIsolated;
    scope.crossOriginIsolated = isolated;
    try {
      await run();
    } finally {
      if (before === undefined) delete scope.crossOriginIsolated;
      else scope.crossOriginIsolated = before;
    }
  };
  const initsOf = async (controlIds: string[]) => {
    const seen: ToSegmentWorker[] = [];
    const pool = await startSegmentPool({
      size: 2,
      createWorker: () => fakeWorker({ delay: () => 1, seen }),
      source,
      setup: { ...setup, controlIds },
      onRows: async () => undefined,
    });
    await pool.close();
    return seen.filter((m): m is Extract<ToSegmentWorker, { type: 'init' }> => m.type === 'init');
  };

  it('gives every worker of a pool one buffer where the page is cross-origin isolated and controls run', async () => {
    await withIsolation(true, async () => {
      const inits = await initsOf(['decision-mismatch']);
      expect(inits).toHaveLength(2);
      expect(inits[0]!.decisions).toBeInstanceOf(SharedArrayBuffer);
      expect(inits[1]!.decisions).toBe(inits[0]!.decisions);
      // No controls, no Cedar: nothing to share.
      for (const init of await initsOf([])) expect(init.decisions).toBeUndefined();
    });
  });

  it('gives none where the page is not isolated (each worker keeps its own memo)', async () => {
    await withIsolation(false, async () => {
      expect(sharedDecisionsBuffer()).toBeUndefined();
      for (const init of await initsOf(['decision-mismatch'])) expect(init.decisions).toBeUndefined();
    });
  });

  it('runs several tasks as one message (whole small files): results and rows in task order, among single tasks', async () => {
    const delivered: string[] = [];
    const seen: ToSegmentWorker[] = [];
    const pool = await startSegmentPool({
      size: 2,
      createWorker: () => fakeWorker({ delay: (path) => 30 - Number(path.slice(-12, -6)) * 2, seen }),
      source,
      setup,
      onRows: async (rows) => {
        // One set of rows a message: each file's, in order.
        delivered.push(...(rows.files?.map((f) => f.path) ?? [rows.path]));
      },
    });
    const runMany = pool.runMany?.bind(pool);
    if (!runMany) throw new Error('the pool runs no tasks together');
    const [first, second, third] = await Promise.all([
      runMany(tasks.slice(0, 5)),
      pool.run(tasks[5] as SegmentTask),
      runMany(tasks.slice(6)),
    ]);
    expect(first.map((r) => r.path)).toEqual(tasks.slice(0, 5).map((t) => t.path));
    expect(second.path).toBe(tasks[5]?.path);
    expect(third.map((r) => r.path)).toEqual(tasks.slice(6).map((t) => t.path));
    expect(delivered).toEqual(tasks.map((t) => t.path));
    // Two messages of several tasks, one of one (in the order sent: the single task's between them).
    expect(seen.flatMap((m) => (m.type === 'tasks' ? [m.tasks.length] : [])).sort((a, b) => a - b)).toEqual([1, 5, 6]);
    await pool.close();
  });

  it('a failure in a message of several tasks names their files and fails the pool', async () => {
    const pool = await startSegmentPool({
      size: 1,
      createWorker: () => fakeWorker({ delay: () => 0, failOn: tasks[2]?.path }),
      source,
      setup,
      onRows: () => Promise.resolve(),
    });
    await expect(pool.runMany?.(tasks.slice(0, 4))).rejects.toThrow(
      `A verification worker failed on ${tasks
        .slice(0, 4)
        .map((t) => t.path)
        .join(', ')}: boom`,
    );
    await pool.close();
  });
});

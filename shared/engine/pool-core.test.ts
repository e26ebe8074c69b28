/**
 * The worker-pool core with stand-in transports: workers that answer out of order, fail,
 * cannot start or are closed under waiting tasks. The failure rule is in pool-core.ts.
 */
import { describe, expect, it } from 'vitest';
import { runInOrder, startWorkerPool, type StartWorker, type WorkerEvents } from './pool-core.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface StandIn {
  readonly start: StartWorker<number, string>;
  /** Events of each started worker, by index. */
  readonly events: WorkerEvents<string>[];
  readonly terminated: number[];
  /** Tasks each worker was sent, by index. */
  readonly sent: number[][];
  /** Most tasks running at once on one worker (the core sends one at a time). */
  maxBusy: number;
}

/**
 * Stand-in workers: ready after a tick (or failing to start), answering task `n` with
 * `"r<n>"` after `delay(n)` ms, or failing on `failOn`. Like a real worker that was
 * terminated while answering, they may still answer after terminate: the core ignores it.
 */
function standIn(options: { delay?: (task: number) => number; failOn?: number; cannotStart?: number[] } = {}): StandIn {
  const delay = options.delay ?? (() => 1);
  const busy: number[] = [];
  const state: StandIn = {
    events: [],
    terminated: [],
    sent: [],
    maxBusy: 0,
    start(events, index) {
      state.events[index] = events;
      state.sent[index] = [];
      busy[index] = 0;
      setTimeout(() => {
        if (options.cannotStart?.includes(index)) events.failed(new Error(`worker ${index} could not start: no wasm`));
        else events.ready();
      }, 0);
      return {
        send(_id, task) {
          state.sent[index]?.push(task);
          busy[index] = (busy[index] ?? 0) + 1;
          state.maxBusy = Math.max(state.maxBusy, busy[index] ?? 0);
          setTimeout(() => {
            busy[index] = (busy[index] ?? 0) - 1;
            if (task === options.failOn) events.failed(new Error(`failed on ${task}: boom`));
            else events.done(`r${task}`);
          }, delay(task));
        },
        terminate: async () => {
          state.terminated.push(index);
        },
      };
    },
  };
  return state;
}

const tasks = Array.from({ length: 12 }, (_, i) => i);

describe('startWorkerPool', () => {
  it('delivers results in task order although workers finish out of order, and settles each task after its delivery', async () => {
    const workers = standIn({ delay: (n) => 40 - n * 3 });
    const delivered: string[] = [];
    const settled: string[] = [];
    const pool = await startWorkerPool({
      size: 3,
      start: workers.start,
      deliver: async (result) => {
        await tick(2);
        delivered.push(result);
      },
    });
    const results = await Promise.all(
      tasks.map((task) =>
        pool.run(task).then((result) => {
          expect(delivered).toContain(result);
          settled.push(result);
          return result;
        }),
      ),
    );
    await pool.close();
    const expected = tasks.map((n) => `r${n}`);
    expect(delivered).toEqual(expected);
    expect(settled).toEqual(expected);
    expect(results).toEqual(expected);
    expect(workers.maxBusy).toBe(1);
    expect(workers.sent.flat().sort((a, b) => a - b)).toEqual(tasks);
    expect(workers.terminated.sort()).toEqual([0, 1, 2]);
  });

  it('without delivery, each task settles as soon as its worker answers', async () => {
    const workers = standIn({ delay: (n) => (n === 0 ? 30 : 1) });
    const pool = await startWorkerPool({ size: 2, start: workers.start });
    const settled: string[] = [];
    await Promise.all(tasks.slice(0, 4).map((task) => pool.run(task).then((r) => settled.push(r))));
    expect(settled[0]).not.toBe('r0');
    expect(settled.sort()).toEqual(['r0', 'r1', 'r2', 'r3']);
    expect(workers.maxBusy).toBe(1);
    await pool.close();
  });

  it('a worker failure fails its task and every waiting task, terminates the workers, and later runs are refused', async () => {
    const workers = standIn({ delay: () => 5, failOn: 3 });
    const pool = await startWorkerPool({ size: 2, start: workers.start, deliver: async () => undefined });
    const outcomes = await Promise.allSettled(tasks.map((task) => pool.run(task)));
    const states = outcomes.map((o) => o.status);
    expect(states.slice(0, 3)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(states.slice(3).every((s) => s === 'rejected')).toBe(true);
    // One error for all: the failing worker's.
    for (const o of outcomes.slice(3))
      expect(String((o as PromiseRejectedResult).reason)).toContain('failed on 3: boom');
    expect(workers.terminated.sort()).toEqual([0, 1]);
    // No task was sent after the failure (task 4 may have started when task 2 was done).
    expect(Math.max(...workers.sent.flat())).toBeLessThanOrEqual(4);
    await expect(pool.run(0)).rejects.toThrow('failed on 3: boom');
    await tick(10); // late answers of terminated workers are ignored
    await pool.close();
  });

  it('a worker that crashes fails the task it runs and every task waiting, under the same rule', async () => {
    const workers = standIn({ delay: () => 20 });
    const pool = await startWorkerPool({ size: 2, start: workers.start });
    const outcomes = Promise.allSettled([0, 1, 2, 3].map((task) => pool.run(task)));
    workers.events[0]?.failed(new Error('worker 0 exited (code 1)'));
    const states = (await outcomes).map((o) => o.status);
    expect(states).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    await expect(pool.run(4)).rejects.toThrow('worker 0 exited (code 1)');
  });

  it('a failure right after the last worker is ready fails the started pool', async () => {
    const pool = await startWorkerPool<number, string>({
      size: 2,
      start: (events, index) => {
        setTimeout(() => {
          events.ready();
          if (index === 1) events.failed(new Error('worker 1 crashed at once'));
        }, 0);
        return { send: () => undefined, terminate: () => undefined };
      },
    });
    await expect(pool.run(0)).rejects.toThrow('worker 1 crashed at once');
  });

  it('a delivery that throws fails its task and the ones after it', async () => {
    const workers = standIn();
    const pool = await startWorkerPool({
      size: 2,
      start: workers.start,
      deliver: async (result) => {
        if (result === 'r2') throw new Error('disk full');
      },
    });
    const outcomes = await Promise.allSettled(tasks.slice(0, 5).map((task) => pool.run(task)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected']);
    expect(String((outcomes[4] as PromiseRejectedResult).reason)).toContain('disk full');
    await expect(pool.run(9)).rejects.toThrow('disk full');
  });

  it('a worker that cannot start refuses the pool: every worker is terminated and the error names why', async () => {
    const workers = standIn({ cannotStart: [1] });
    await expect(startWorkerPool({ size: 3, start: workers.start })).rejects.toThrow(
      'worker 1 could not start: no wasm',
    );
    expect(workers.terminated.sort()).toEqual([0, 1, 2]);

    // A transport that throws while starting a worker refuses the pool too.
    const stopped: number[] = [];
    await expect(
      startWorkerPool<number, string>({
        size: 3,
        start: (events, index) => {
          if (index === 1) throw new Error('no threads left');
          return { send: () => undefined, terminate: () => void stopped.push(index) };
        },
      }),
    ).rejects.toThrow('no threads left');
    expect(stopped).toEqual([0]);

    await expect(startWorkerPool({ size: 0, start: standIn().start })).rejects.toThrow(RangeError);
  });

  it('close() rejects the tasks still waiting, terminates every worker, and refuses later runs', async () => {
    const workers = standIn({ delay: () => 50 });
    const pool = await startWorkerPool({ size: 2, start: workers.start, deliver: async () => undefined });
    const outcomes = Promise.allSettled(tasks.map((task) => pool.run(task)));
    await tick(1);
    await pool.close();
    const settled = await outcomes;
    expect(settled.every((o) => o.status === 'rejected')).toBe(true);
    expect(String((settled[0] as PromiseRejectedResult).reason)).toContain('the worker pool was closed');
    expect(workers.terminated.sort()).toEqual([0, 1]);
    await expect(pool.run(0)).rejects.toThrow('the worker pool was closed');
    await pool.close(); // again: nothing left to do
    expect(workers.terminated).toHaveLength(2);
    await tick(60); // the answers of the terminated workers are ignored
  });
});

describe('runInOrder', () => {
  it('merges in task order with at most twice the concurrency in flight', async () => {
    const workers = standIn({ delay: (n) => (n % 3 === 0 ? 15 : 1) });
    const pool = await startWorkerPool({ size: 2, start: workers.start });
    let inFlight = 0;
    let most = 0;
    const runner = {
      concurrency: pool.size,
      run: (task: number) => {
        most = Math.max(most, ++inFlight);
        return pool.run(task).finally(() => inFlight--);
      },
    };
    const merged: string[] = [];
    await runInOrder(tasks, runner, undefined, (task, result) => merged.push(`${task}:${result}`));
    await pool.close();
    expect(merged).toEqual(tasks.map((n) => `${n}:r${n}`));
    expect(most).toBeLessThanOrEqual(4);
  });

  it('stops at the first failure in task order', async () => {
    const workers = standIn({ failOn: 5 });
    const pool = await startWorkerPool({ size: 2, start: workers.start });
    const merged: number[] = [];
    await expect(
      runInOrder(tasks, { concurrency: pool.size, run: (t: number) => pool.run(t) }, undefined, (t) => merged.push(t)),
    ).rejects.toThrow('failed on 5: boom');
    expect(merged).toEqual([0, 1, 2, 3, 4]);
    await pool.close();
  });

  it('an abort ends the run; closing the pool then rejects what was still in flight', async () => {
    const workers = standIn({ delay: () => 5 });
    const pool = await startWorkerPool({ size: 2, start: workers.start });
    const controller = new AbortController();
    const merged: number[] = [];
    const inFlight: Promise<string>[] = [];
    const runner = {
      concurrency: 2,
      run: (task: number) => {
        const promise = pool.run(task);
        inFlight.push(promise);
        return promise;
      },
    };
    const run = runInOrder(tasks, runner, controller.signal, (task) => {
      merged.push(task);
      if (task === 2) controller.abort();
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(merged).toEqual([0, 1, 2]);
    await pool.close();
    const settled = await Promise.allSettled(inFlight);
    expect(settled.slice(3).some((o) => o.status === 'rejected')).toBe(true);
    expect(workers.terminated.sort()).toEqual([0, 1]);
  });
});

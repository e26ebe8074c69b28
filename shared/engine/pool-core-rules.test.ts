/**
 * The worker-pool core's rules one at a time (shared/engine/pool-core.ts), with a transport
 * driven by hand: each event is sent by the test, so what the core sends, terminates, resolves
 * and rejects is checked exactly, in order. pool-core.test.ts runs the same core with timed
 * stand-in workers.
 */
import { describe, expect, it } from 'vitest';
import { runInOrder, startWorkerPool, type WorkerEvents, type WorkerLink } from './pool-core.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const ticks = async (n: number) => {
  for (let i = 0; i < n; i++) await tick();
};

interface Manual {
  readonly events: WorkerEvents<string>[];
  /** What happened, in order: `start 0`, `send 1 #2 task`, `terminate 0`. */
  readonly log: string[];
  start(events: WorkerEvents<string>, index: number): WorkerLink<string>;
}

function manual(link: (index: number, log: string[]) => Partial<WorkerLink<string>> = () => ({})): Manual {
  const state: Manual = {
    events: [],
    log: [],
    start(events, index) {
      state.events[index] = events;
      state.log.push(`start ${index}`);
      return {
        send: (id, task) => void state.log.push(`send ${index} #${id} ${task}`),
        terminate: () => void state.log.push(`terminate ${index}`),
        ...link(index, state.log),
      };
    },
  };
  return state;
}

/** A pool of `size` manual workers, all ready. */
async function readyPool(size: number, deliver?: (result: string, task: string) => Promise<void>, m = manual()) {
  const started = startWorkerPool<string, string>({
    size,
    start: (e, i) => m.start(e, i),
    ...(deliver ? { deliver } : {}),
  });
  for (let i = 0; i < size; i++) m.events[i]?.ready();
  const pool = await started;
  return { pool, m };
}

/** Records how each promise settles, as `fulfilled x` or `rejected message`, by name. */
function watch(outcomes: Record<string, string>, name: string, promise: Promise<unknown>): void {
  promise.then(
    (value) => void (outcomes[name] = `fulfilled ${String(value)}`),
    (error: unknown) => void (outcomes[name] = `rejected ${(error as Error).message}`),
  );
}

describe('startWorkerPool, by hand', () => {
  it('refuses a size that is not a whole number of at least 1, saying which', async () => {
    for (const size of [0, -1, 1.5, Number.NaN]) {
      await expect(startWorkerPool({ size, start: manual().start })).rejects.toStrictEqual(
        new RangeError(`a worker pool needs at least 1 worker, not ${size}`),
      );
    }
  });

  it('resolves only when every worker is ready; a second ready changes nothing', async () => {
    const m = manual();
    let resolved = false;
    const started = startWorkerPool<string, string>({ size: 2, start: (e, i) => m.start(e, i) });
    void started.then(() => (resolved = true));
    expect(m.log).toEqual(['start 0', 'start 1']);
    m.events[0]?.ready();
    m.events[0]?.ready();
    await ticks(2);
    expect(resolved).toBe(false);
    m.events[1]?.ready();
    const pool = await started;
    expect(pool.size).toBe(2);
    // Two idle workers, not three: two tasks are sent, the third waits.
    const outcomes: Record<string, string> = {};
    for (const task of ['a', 'b', 'c']) watch(outcomes, task, pool.run(task));
    expect(m.log.slice(2)).toEqual(['send 1 #0 a', 'send 0 #1 b']);
    m.events[1]?.done('A');
    expect(m.log.slice(4)).toEqual(['send 1 #2 c']);
    m.events[0]?.done('B');
    m.events[1]?.done('C');
    await ticks(1);
    expect(outcomes).toEqual({ a: 'fulfilled A', b: 'fulfilled B', c: 'fulfilled C' });
  });

  it('a worker that answers with no task running is ignored', async () => {
    const { pool, m } = await readyPool(1);
    m.events[0]?.done('stray');
    const outcomes: Record<string, string> = {};
    watch(outcomes, 'a', pool.run('a'));
    m.events[0]?.done('A');
    await ticks(1);
    expect(outcomes).toEqual({ a: 'fulfilled A' });
    expect(m.log).toEqual(['start 0', 'send 0 #0 a']);
  });

  it('a worker that fails to start rejects with its own error object; the others are terminated, their stopping awaited', async () => {
    const m = manual((index, log) => ({
      terminate: async () => {
        await tick();
        log.push(`stopped ${index}`);
      },
    }));
    const error = new Error('no wasm');
    const started = startWorkerPool<string, string>({ size: 3, start: (e, i) => m.start(e, i) });
    m.events[0]?.ready();
    m.events[2]?.failed(error);
    m.events[1]?.ready(); // after the refusal: ignored
    await expect(started).rejects.toBe(error);
    expect(m.log).toEqual(['start 0', 'start 1', 'start 2', 'stopped 0', 'stopped 1', 'stopped 2']);
    // A worker that fails once the start was refused is ignored too (its handler does not throw).
    expect(() => m.events[1]?.failed(new Error('late'))).not.toThrow();
  });

  it('a worker that fails while the others start: no further worker is started', async () => {
    const m = manual();
    const started = startWorkerPool<string, string>({
      size: 3,
      start: (e, i) => {
        const link = m.start(e, i);
        if (i === 1) e.failed(new Error('worker 1 died at once'));
        return link;
      },
    });
    await expect(started).rejects.toThrow('worker 1 died at once');
    expect(m.log).toEqual(['start 0', 'start 1', 'terminate 0', 'terminate 1']);
  });

  it('a thrown value that is not an Error becomes an Error with its text', async () => {
    await expect(
      startWorkerPool<string, string>({
        size: 1,
        start: () => {
          throw 'no threads';
        },
      }),
    ).rejects.toStrictEqual(new Error('no threads'));
    const { pool } = await readyPool(
      1,
      undefined,
      manual(() => ({
        send: () => {
          throw 42;
        },
      })),
    );
    await expect(pool.run('a')).rejects.toStrictEqual(new Error('42'));
  });

  it('a send that throws fails that task and the pool with the same error', async () => {
    const error = new Error('cannot post');
    const m = manual(() => ({
      send: (_id, task) => {
        if (task === 'b') throw error;
      },
    }));
    const { pool } = await readyPool(2, undefined, m);
    const outcomes: Record<string, string> = {};
    const a = pool.run('a');
    watch(outcomes, 'a', a);
    const b = pool.run('b');
    await expect(b).rejects.toBe(error);
    await expect(a).rejects.toBe(error);
    await expect(pool.run('c')).rejects.toBe(error);
    expect(m.log).toEqual(['start 0', 'start 1', 'terminate 0', 'terminate 1']);
  });

  it('after a failure, late answers and failures are ignored and the first error stands; close rejects nothing new', async () => {
    const { pool, m } = await readyPool(2);
    const first = new Error('first');
    const a = pool.run('a');
    const b = pool.run('b');
    m.events[0]?.failed(first);
    await expect(a).rejects.toBe(first);
    await expect(b).rejects.toBe(first);
    m.events[1]?.done('late');
    m.events[1]?.failed(new Error('second'));
    m.events[1]?.ready();
    await expect(pool.run('c')).rejects.toBe(first);
    await pool.close();
    await expect(pool.run('d')).rejects.toBe(first);
    // Each worker terminated once.
    expect(m.log.filter((l) => l.startsWith('terminate'))).toEqual(['terminate 0', 'terminate 1']);
  });

  it('terminate may throw or reject: the pool still closes and every worker is asked', async () => {
    const m = manual((index, log) => ({
      terminate: () => {
        log.push(`terminate ${index}`);
        if (index === 0) throw new Error('already gone');
        return Promise.reject(new Error('exit failed'));
      },
    }));
    const { pool } = await readyPool(3, undefined, m);
    await expect(pool.close()).resolves.toBeUndefined();
    expect(m.log.slice(3)).toEqual(['terminate 0', 'terminate 1', 'terminate 2']);
  });

  it('close waits for the workers to stop, and a second close waits too', async () => {
    const stopped: string[] = [];
    let finish: () => void = () => undefined;
    const m = manual(() => ({
      terminate: () => new Promise<void>((resolve) => (finish = resolve)).then(() => void stopped.push('x')),
    }));
    const { pool } = await readyPool(1, undefined, m);
    let closed = 0;
    void pool.close().then(() => closed++);
    void pool.close().then(() => closed++);
    await ticks(2);
    expect(closed).toBe(0);
    finish();
    await ticks(3);
    expect(closed).toBe(2);
    expect(stopped).toEqual(['x']);
  });

  it('close rejects every waiting task with one error, and later runs with another of the same words', async () => {
    const { pool, m } = await readyPool(1, async () => undefined);
    const outcomes: Record<string, string> = {};
    watch(outcomes, 'a', pool.run('a'));
    watch(outcomes, 'b', pool.run('b'));
    await pool.close();
    m.events[0]?.done('A'); // after close: ignored
    await ticks(1);
    expect(outcomes).toEqual({ a: 'rejected the worker pool was closed', b: 'rejected the worker pool was closed' });
    await expect(pool.run('c')).rejects.toStrictEqual(new Error('the worker pool was closed'));
  });

  it('with delivery: a result waits for the ones before it; a failure during a hand-over rejects the rest, the one handed over stands', async () => {
    const handed: string[] = [];
    let release: () => void = () => undefined;
    const deliver = async (result: string, task: string) => {
      handed.push(`${task}=${result}`);
      if (task === 'a') await new Promise<void>((resolve) => (release = resolve));
    };
    const { pool, m } = await readyPool(3, deliver);
    const outcomes: Record<string, string> = {};
    for (const task of ['a', 'b', 'c']) watch(outcomes, task, pool.run(task));
    // The last idle worker is taken first.
    expect(m.log.slice(3)).toEqual(['send 2 #0 a', 'send 1 #1 b', 'send 0 #2 c']);
    m.events[1]?.done('B'); // b before a: held back
    await ticks(1);
    expect(handed).toEqual([]);
    expect(outcomes).toEqual({});
    m.events[2]?.done('A'); // a is handed over (and waits), b still held
    m.events[0]?.done('C');
    await ticks(1);
    expect(handed).toEqual(['a=A']);
    const error = new Error('crash');
    m.events[0]?.failed(error); // worker 0 runs no task now: the pool fails, no task is its own
    release();
    await ticks(2);
    expect(outcomes).toEqual({ a: 'fulfilled A', b: 'rejected crash', c: 'rejected crash' });
    expect(handed).toEqual(['a=A']);
  });

  it('with delivery: a hand-over that throws after the pool closed rejects its task with its own error; after a failure, with the failure', async () => {
    let release: () => void = () => undefined;
    const closedError = new Error('disk full after close');
    const { pool, m } = await readyPool(1, async () => {
      await new Promise<void>((resolve) => (release = resolve));
      throw closedError;
    });
    const a = pool.run('a').catch((e: unknown) => e);
    m.events[0]?.done('A');
    await ticks(1);
    await pool.close();
    release();
    expect(await a).toBe(closedError);

    const failure = new Error('worker 1 crashed');
    const second = await readyPool(2, async () => {
      await new Promise<void>((resolve) => (release = resolve));
      throw new Error('disk full after the failure');
    });
    const b = second.pool.run('b').catch((e: unknown) => e);
    second.m.events[1]?.done('B');
    await ticks(1);
    second.m.events[0]?.failed(failure);
    release();
    expect(await b).toBe(failure);
  });

  it('with delivery: a hand-over that throws a non-Error fails its task with that text', async () => {
    const { pool, m } = await readyPool(1, async () => {
      throw 'disk full';
    });
    const a = pool.run('a');
    m.events[0]?.done('A');
    await expect(a).rejects.toStrictEqual(new Error('disk full'));
  });

  it('with delivery, closing while a result is handed over: it stands, the ones after are not handed over', async () => {
    const handed: string[] = [];
    let release: () => void = () => undefined;
    const { pool, m } = await readyPool(2, async (result) => {
      handed.push(result);
      if (result === 'A') await new Promise<void>((resolve) => (release = resolve));
    });
    const outcomes: Record<string, string> = {};
    watch(outcomes, 'a', pool.run('a'));
    watch(outcomes, 'b', pool.run('b'));
    m.events[1]?.done('A');
    m.events[0]?.done('B');
    await ticks(1);
    const closing = pool.close();
    release();
    await closing;
    await ticks(2);
    expect(handed).toEqual(['A']);
    expect(outcomes).toEqual({ a: 'fulfilled A', b: 'rejected the worker pool was closed' });
  });
});

describe('startWorkerPool, two tasks a worker', () => {
  async function pairPool(size: number, deliver?: (result: string, task: string) => Promise<void>) {
    const m = manual();
    const started = startWorkerPool<string, string>({
      size,
      start: (e, i) => m.start(e, i),
      tasksPerWorker: 2,
      ...(deliver ? { deliver } : {}),
    });
    for (let i = 0; i < size; i++) m.events[i]?.ready();
    return { pool: await started, m };
  }

  it('refuses fewer than one task a worker', async () => {
    for (const tasksPerWorker of [0, 1.5]) {
      await expect(startWorkerPool({ size: 1, start: manual().start, tasksPerWorker })).rejects.toStrictEqual(
        new RangeError(`a worker takes at least 1 task at a time, not ${tasksPerWorker}`),
      );
    }
  });

  it('spreads tasks over the workers, two each at most; an answer is its oldest task’s and frees its place', async () => {
    const { pool, m } = await pairPool(2);
    const outcomes: Record<string, string> = {};
    for (const t of ['a', 'b', 'c', 'd', 'e']) watch(outcomes, t, pool.run(t));
    // One each first, then the second each: no worker waits with two while another has none.
    expect(m.log.slice(2)).toEqual(['send 1 #0 a', 'send 0 #1 b', 'send 1 #2 c', 'send 0 #3 d']);
    m.events[0]?.done('r-b');
    await ticks(1);
    // Worker 0's answer is for b (its oldest), and its freed place takes e at once.
    expect(outcomes).toEqual({ b: 'fulfilled r-b' });
    expect(m.log.at(-1)).toBe('send 0 #4 e');
    m.events[1]?.done('r-a');
    m.events[1]?.done('r-c');
    m.events[0]?.done('r-d');
    m.events[0]?.done('r-e');
    // More answers than tasks sent are ignored.
    m.events[1]?.done('extra');
    await ticks(1);
    expect(outcomes).toEqual({
      a: 'fulfilled r-a',
      b: 'fulfilled r-b',
      c: 'fulfilled r-c',
      d: 'fulfilled r-d',
      e: 'fulfilled r-e',
    });
    await pool.close();
  });

  it('a worker that fails fails both its tasks and every other, with its error', async () => {
    const { pool, m } = await pairPool(2);
    const outcomes: Record<string, string> = {};
    for (const t of ['a', 'b', 'c', 'd', 'e']) watch(outcomes, t, pool.run(t));
    m.events[1]?.failed(new Error('worker 1 crashed'));
    await ticks(1);
    expect(Object.values(outcomes)).toEqual(Array(5).fill('rejected worker 1 crashed'));
    expect(m.log.filter((l) => l.startsWith('terminate'))).toEqual(['terminate 0', 'terminate 1']);
  });

  it('with delivery: results are handed over in task order, whichever worker held them', async () => {
    const handed: string[] = [];
    const { pool, m } = await pairPool(2, async (result) => void handed.push(result));
    const all = Promise.all(['a', 'b', 'c', 'd'].map((t) => pool.run(t)));
    m.events[0]?.done('r-b');
    m.events[0]?.done('r-d');
    await ticks(1);
    expect(handed).toEqual([]);
    m.events[1]?.done('r-a');
    m.events[1]?.done('r-c');
    expect(await all).toEqual(['r-a', 'r-b', 'r-c', 'r-d']);
    expect(handed).toEqual(['r-a', 'r-b', 'r-c', 'r-d']);
    await pool.close();
  });
});

describe('runInOrder, by hand', () => {
  /** A runner whose tasks settle when the test says; records what it was given. */
  function heldRunner(concurrency: number) {
    const started: number[] = [];
    const settle = new Map<number, { resolve(v: string): void; reject(e: Error): void }>();
    return {
      started,
      settle,
      runner: {
        concurrency,
        run: (task: number) =>
          new Promise<string>((resolve, reject) => {
            started.push(task);
            settle.set(task, { resolve, reject });
          }),
      },
    };
  }

  it('keeps twice the concurrency in flight, one for a runner of one', async () => {
    for (const [concurrency, inFlight] of [
      [1, 1],
      [0, 1],
      [2, 4],
      [3, 6],
    ] as const) {
      const { started, settle, runner } = heldRunner(concurrency);
      const merged: string[] = [];
      const done = runInOrder([0, 1, 2, 3, 4, 5, 6, 7], runner, undefined, (t, r) => merged.push(`${t}:${r}`));
      await ticks(2);
      expect([concurrency, started]).toEqual([concurrency, Array.from({ length: inFlight }, (_, i) => i)]);
      for (let t = 0; t < 8; t++) {
        await ticks(2);
        settle.get(t)?.resolve(`r${t}`);
      }
      await done;
      expect(merged).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((t) => `${t}:r${t}`));
    }
  });

  it('an async source: the next task is taken only when a place frees, and the source is not closed when it ended', async () => {
    const log: string[] = [];
    async function* source() {
      try {
        for (let i = 0; i < 3; i++) {
          log.push(`take ${i}`);
          yield i;
        }
      } finally {
        log.push('closed');
      }
    }
    const { settle, runner } = heldRunner(1);
    const done = runInOrder(source(), runner, undefined, (t) => void log.push(`merge ${t}`));
    await ticks(2);
    expect(log).toEqual(['take 0']);
    settle.get(0)?.resolve('x');
    await ticks(2);
    expect(log).toEqual(['take 0', 'merge 0', 'take 1']);
    settle.get(1)?.resolve('x');
    await ticks(2);
    settle.get(2)?.resolve('x');
    await done;
    expect(log).toEqual(['take 0', 'merge 0', 'take 1', 'merge 1', 'take 2', 'merge 2', 'closed']);
  });

  it('with more than one in flight, the next task is read while the run waits, and run when a place frees', async () => {
    const log: string[] = [];
    async function* source() {
      try {
        for (let i = 0; i < 7; i++) {
          log.push(`take ${i}`);
          yield i;
        }
      } finally {
        log.push('closed');
      }
    }
    const { started, settle, runner } = heldRunner(2);
    const done = runInOrder(source(), runner, undefined, (t) => void log.push(`merge ${t}`));
    await ticks(4);
    // Four in flight, the fifth read ahead but not run: at most one more is held.
    expect(started).toEqual([0, 1, 2, 3]);
    expect(log).toEqual(['take 0', 'take 1', 'take 2', 'take 3', 'take 4']);
    settle.get(0)?.resolve('x');
    await ticks(4);
    // The task read ahead runs as soon as the merge freed its place; the next one is read.
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(log.slice(5)).toEqual(['merge 0', 'take 5']);
    for (let t = 1; t < 7; t++) {
      settle.get(t)?.resolve('x');
      await ticks(4);
    }
    await done;
    expect(log.filter((l) => l.startsWith('merge'))).toEqual([0, 1, 2, 3, 4, 5, 6].map((t) => `merge ${t}`));
    // Read to its end (its own finally ran once), every task taken once.
    expect(log.filter((l) => l === 'closed')).toHaveLength(1);
    expect(log.filter((l) => l.startsWith('take'))).toHaveLength(7);
  });

  it('a failure while a task is read ahead: the read finishes, then the source is closed', async () => {
    const log: string[] = [];
    let release: () => void = () => undefined;
    async function* source() {
      try {
        for (let i = 0; i < 9; i++) {
          if (i === 4) await new Promise<void>((resolve) => (release = resolve));
          log.push(`take ${i}`);
          yield i;
        }
      } finally {
        log.push('closed');
      }
    }
    const { settle, runner } = heldRunner(2);
    const error = new Error('task 0 failed');
    const done = runInOrder(source(), runner, undefined, () => undefined).catch((e: unknown) => e);
    await ticks(4);
    settle.get(0)?.reject(error);
    await ticks(4);
    // The run waits for the read under way before it closes the source.
    expect(log).toEqual(['take 0', 'take 1', 'take 2', 'take 3']);
    release();
    expect(await done).toBe(error);
    expect(log).toEqual(['take 0', 'take 1', 'take 2', 'take 3', 'take 4', 'closed']);
  });

  it('a source read to its end is neither read again nor closed', async () => {
    const calls: string[] = [];
    const tasks = [0, 1][Symbol.iterator]();
    const source: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => {
          const next = tasks.next();
          calls.push(next.done ? 'next: done' : `next: ${next.value}`);
          return next;
        },
        return: () => {
          calls.push('return');
          return { done: true, value: undefined };
        },
      }),
    };
    const { settle, runner } = heldRunner(2);
    const done = runInOrder(source, runner, undefined, (t) => void calls.push(`merge ${t}`));
    await ticks(2);
    settle.get(0)?.resolve('x');
    settle.get(1)?.resolve('x');
    await done;
    expect(calls).toEqual(['next: 0', 'next: 1', 'next: done', 'merge 0', 'merge 1']);
  });

  it('a rejection closes a source not yet read to its end, and is the error of the run', async () => {
    const returned: string[] = [];
    const tasks = [0, 1, 2, 3, 4, 5][Symbol.iterator]();
    const source: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => tasks.next(),
        return: () => {
          returned.push('return');
          return { done: true, value: undefined };
        },
      }),
    };
    const { settle, runner } = heldRunner(1);
    const error = new Error('task 1 failed');
    const merged: number[] = [];
    const done = runInOrder(source, runner, undefined, (t) => void merged.push(t));
    await ticks(1);
    settle.get(0)?.resolve('x');
    await ticks(2);
    settle.get(1)?.reject(error);
    await expect(done).rejects.toBe(error);
    expect(merged).toEqual([0]);
    expect(returned).toEqual(['return']);
  });

  it('an iterator without return is fine; an early rejection does not escape before its turn', async () => {
    const tasks = [0, 1, 2][Symbol.iterator]();
    const source: Iterable<number> = { [Symbol.iterator]: () => ({ next: () => tasks.next() }) };
    const { settle, runner } = heldRunner(2);
    const merged: number[] = [];
    const done = runInOrder(source, runner, undefined, (t) => void merged.push(t));
    await ticks(1);
    settle.get(1)?.reject(new Error('second failed'));
    await ticks(2);
    expect(merged).toEqual([]);
    settle.get(0)?.resolve('x');
    await expect(done).rejects.toThrow('second failed');
    expect(merged).toEqual([0]);
  });

  it('an abort before a result is merged ends the run with the signal’s reason; nothing after is merged', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    controller.abort(reason);
    const { settle, runner } = heldRunner(1);
    const merged: number[] = [];
    const failed = runInOrder([0, 1], runner, controller.signal, (t) => void merged.push(t)).catch((e: unknown) => e);
    await ticks(1);
    settle.get(0)?.resolve('x');
    expect(await failed).toBe(reason);
    expect(merged).toEqual([]);
  });

  it('no task: nothing is run or merged', async () => {
    const { started, runner } = heldRunner(2);
    await runInOrder([], runner, undefined, () => {
      throw new Error('merged');
    });
    expect(started).toEqual([]);
  });
});

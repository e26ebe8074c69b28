/**
 * The one worker-pool core behind both pools — worker threads in the command line
 * (cli/pool/pool-runner.ts) and Web Workers in the app (renderer/workers/segment-pool.ts) —
 * and the engine's in-order runner (`runInOrder`).
 *
 * The core owns the queue of tasks, the idle workers, dispatch (one task per worker at a
 * time, or `tasksPerWorker`), in-order delivery when asked for, and the failure rule. A
 * transport supplies only how to start a worker, send it a task, and stop it, and reports
 * what the worker says through {@link WorkerEvents}: ready, a result, or a failure (its task
 * failed, it crashed, it exited, or it could not start).
 *
 * The failure rule, one for every pool:
 * - A worker that fails before every worker is ready (it cannot start) refuses the pool:
 *   `startWorkerPool` terminates every worker and rejects with that worker's error.
 * - Once started, the first failure fails the pool: the task that worker was running and
 *   every task not yet settled (queued, running elsewhere, done but waiting for its turn
 *   to be delivered) reject with that same error; every worker is terminated at once (no
 *   result of theirs could be used); `run` rejects with that error from then on. A
 *   delivery that throws is a failure of its task, under the same rule.
 * - `close()` terminates every worker and rejects what is still waiting; it may be called
 *   any number of times, after a failure too. Messages that arrive after the pool failed
 *   or closed are ignored.
 * Runtime-neutral (no Node or DOM globals), so the rule is tested once, with stand-ins.
 */

/** The transport's handle of one started worker. */
export interface WorkerLink<T> {
  /** Sends a task; `id` is the task's index in the pool (for the wire protocol). */
  send(id: number, task: T): void;
  /** Stops the worker (worker_threads answers with a promise, Web Workers at once). */
  terminate(): void | Promise<unknown>;
}

/** What a transport reports about one worker, from its message, error and exit handlers. */
export interface WorkerEvents<R> {
  /** The worker is set up and takes tasks. */
  ready(): void;
  /** The task last sent to the worker is done. */
  done(result: R): void;
  /** The worker failed: its task failed, it crashed or exited, or it could not start. */
  failed(error: Error): void;
}

/** Starts one worker (the `index`-th of the pool) that reports through `events`. */
export type StartWorker<T, R> = (events: WorkerEvents<R>, index: number) => WorkerLink<T>;

export interface WorkerPoolOptions<T, R> {
  /** How many workers to start (at least 1). */
  readonly size: number;
  readonly start: StartWorker<T, R>;
  /**
   * Hands each result over in task order, one at a time (the app stores a segment's rows
   * here). When given, a task's promise settles only after its result and every earlier
   * one were handed over; without it, each task settles as soon as its result arrives.
   */
  readonly deliver?: (result: R, task: T) => Promise<void>;
  /**
   * How many tasks a worker is sent at once (default 1). A worker sent more must run them
   * one after another in the order sent, answering in that order (`done` is the oldest's):
   * when it finishes one, the next already waits in its own queue, not on this thread's
   * event loop, which may be busy reading the next file.
   */
  readonly tasksPerWorker?: number;
}

export interface WorkerPool<T, R> {
  readonly size: number;
  run(task: T): Promise<R>;
  close(): Promise<void>;
}

interface Job<T, R> {
  readonly index: number;
  readonly task: T;
  resolve(result: R): void;
  reject(error: Error): void;
}

interface Slot<T> {
  link: WorkerLink<T> | null;
  ready: boolean;
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/** Starts `size` workers and resolves once every one is ready (see the failure rule above). */
export async function startWorkerPool<T, R>(options: WorkerPoolOptions<T, R>): Promise<WorkerPool<T, R>> {
  const { size, start, deliver } = options;
  const perWorker = options.tasksPerWorker ?? 1;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`a worker pool needs at least 1 worker, not ${size}`);
  if (!Number.isInteger(perWorker) || perWorker < 1)
    throw new RangeError(`a worker takes at least 1 task at a time, not ${perWorker}`);

  const slots: Slot<T>[] = [];
  /** Ready workers with room for a task, the one freed last on top. */
  const idle: Slot<T>[] = [];
  const queue: Job<T, R>[] = [];
  /** Each worker's tasks sent and not yet answered, oldest first. */
  const running = new Map<Slot<T>, Job<T, R>[]>();
  /** Results waiting for earlier tasks to be delivered, by task index. */
  const finished = new Map<number, { job: Job<T, R>; result: R }>();
  const stopping: Promise<unknown>[] = [];
  let nextIndex = 0;
  let nextToDeliver = 0;
  let delivering = false;
  let started = false;
  let readyCount = 0;
  let failure: Error | null = null;
  let closed = false;
  let settleStart: { resolve(): void; reject(error: Error): void } | null = null;

  const terminateAll = () => {
    for (const slot of slots) {
      const link = slot.link;
      slot.link = null;
      if (!link) continue;
      try {
        stopping.push(Promise.resolve(link.terminate()).catch(() => undefined));
      } catch {
        // a worker that cannot even be stopped is gone as far as the pool is concerned
      }
    }
    idle.length = 0;
  };

  /** Rejects every task not yet settled. */
  const rejectAll = (error: Error) => {
    const waiting = [...queue, ...[...running.values()].flat(), ...[...finished.values()].map((f) => f.job)];
    queue.length = 0;
    running.clear();
    finished.clear();
    for (const job of waiting) job.reject(error);
  };

  /** The failure rule: the first failure fails `job` (if any), every waiting task and the pool. */
  const fail = (error: Error, job?: Job<T, R>) => {
    if (failure || closed) {
      job?.reject(failure ?? error);
      return;
    }
    failure = error;
    job?.reject(error);
    rejectAll(error);
    terminateAll();
  };

  const dispatch = () => {
    while (!failure && !closed && idle.length > 0 && queue.length > 0) {
      // The worker with the fewest tasks; of equals, the one freed last.
      let at = idle.length - 1;
      for (let i = idle.length - 2; i >= 0; i--)
        if (tasksOf(idle[i] as Slot<T>).length < tasksOf(idle[at] as Slot<T>).length) at = i;
      const slot = idle[at] as Slot<T>;
      const jobs = tasksOf(slot);
      const job = queue.shift() as Job<T, R>;
      jobs.push(job);
      if (jobs.length >= perWorker) idle.splice(at, 1);
      try {
        (slot.link as WorkerLink<T>).send(job.index, job.task);
      } catch (error) {
        fail(asError(error), job);
      }
    }
  };

  const drain = async () => {
    if (delivering || !deliver) return;
    delivering = true;
    try {
      for (let ready = finished.get(nextToDeliver); ready; ready = finished.get(nextToDeliver)) {
        finished.delete(nextToDeliver);
        nextToDeliver++;
        try {
          await deliver(ready.result, ready.job.task);
        } catch (error) {
          fail(asError(error), ready.job);
          return;
        }
        // A hand-over that completed stands even if the pool failed meanwhile.
        ready.job.resolve(ready.result);
        if (failure || closed) return;
      }
    } finally {
      delivering = false;
    }
  };

  const tasksOf = (slot: Slot<T>): Job<T, R>[] => {
    let jobs = running.get(slot);
    if (!jobs) running.set(slot, (jobs = []));
    return jobs;
  };

  const eventsOf = (slot: Slot<T>): WorkerEvents<R> => ({
    ready() {
      if (slot.ready || failure || closed) return;
      slot.ready = true;
      idle.push(slot);
      if (started) dispatch();
      else if (++readyCount === size) {
        // Started from here on: a failure that comes before the caller has the pool fails it.
        started = true;
        settleStart?.resolve();
      }
    },
    done(result) {
      const job = running.get(slot)?.[0];
      if (!job || failure || closed) return;
      tasksOf(slot).shift();
      if (!idle.includes(slot)) idle.push(slot);
      if (deliver) {
        finished.set(job.index, { job, result });
        void drain();
      } else {
        job.resolve(result);
      }
      dispatch();
    },
    failed(error) {
      if (!started) settleStart?.reject(error);
      else fail(error, running.get(slot)?.[0]);
    },
  });

  try {
    await new Promise<void>((resolve, reject) => {
      let refused = false;
      settleStart = {
        resolve,
        reject: (error) => {
          refused = true;
          reject(error);
        },
      };
      for (let i = 0; i < size && !refused; i++) {
        const slot: Slot<T> = { link: null, ready: false };
        slots.push(slot);
        slot.link = start(eventsOf(slot), i);
      }
    });
  } catch (error) {
    failure = asError(error);
    terminateAll();
    await Promise.all(stopping);
    throw failure;
  } finally {
    settleStart = null;
  }

  return {
    size,
    run(task) {
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(new Error('the worker pool was closed'));
      return new Promise<R>((resolve, reject) => {
        queue.push({ index: nextIndex++, task, resolve, reject });
        dispatch();
      });
    },
    async close() {
      if (!closed) {
        closed = true;
        rejectAll(failure ?? new Error('the worker pool was closed'));
        terminateAll();
      }
      await Promise.all(stopping);
    },
  };
}

/** Anything that runs one task at a time or several at once (a SegmentRunner, a pool). */
export interface OrderedRunner<T, R> {
  /** How many tasks the runner can work on at once; twice as many are kept in flight. */
  readonly concurrency: number;
  run(task: T): Promise<R>;
}

/**
 * Runs tasks with up to twice `runner.concurrency` in flight and hands results to `merge`
 * strictly in task order, holding back results that arrive early. Tasks may come from an
 * async iterable (pieces read as the run goes): the next is taken when a place frees, and,
 * with more than one in flight, the one after it is read while the run waits for its first
 * result, so at most one more is held. The first rejection (in task order) or an abort ends
 * the run with that error, and the task source is closed.
 */
export async function runInOrder<T, R>(
  tasks: Iterable<T> | AsyncIterable<T>,
  runner: OrderedRunner<T, R>,
  signal: AbortSignal | undefined,
  merge: (task: T, result: R) => void,
): Promise<void> {
  const source: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in tasks
      ? (tasks as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (tasks as Iterable<T>)[Symbol.iterator]();
  const pending: { task: T; result: Promise<R> }[] = [];
  let exhausted = false;
  // One task at a time for a runner of one (this thread): two tasks in flight there would
  // interleave their receipts, and `onRecord` and in-thread controls must see them in ledger order.
  const inFlight = runner.concurrency <= 1 ? 1 : runner.concurrency * 2;
  /**
   * The next task, asked for while the run waits on a result. Reading a task is work of its
   * own (the app's verify worker inflates, checks and hashes a segment file for it, a median
   * 41 ms); read only once a merge freed a place, it was on the loop's path after every merge.
   */
  let ahead: Promise<IteratorResult<T>> | null = null;
  const take = (): Promise<IteratorResult<T>> => {
    const next = ahead ?? Promise.resolve(source.next());
    ahead = null;
    return next;
  };
  try {
    for (;;) {
      while (!exhausted && pending.length < inFlight) {
        const next = await take();
        if (next.done) {
          exhausted = true;
          break;
        }
        const result = runner.run(next.value);
        result.catch(() => undefined); // awaited in order below; this only silences early rejections
        pending.push({ task: next.value, result });
      }
      if (inFlight > 1 && !exhausted && ahead === null) {
        ahead = Promise.resolve(source.next());
        ahead.catch(() => undefined); // taken (and its failure thrown) at the next place
      }
      const first = pending.shift();
      if (!first) return;
      signal?.throwIfAborted();
      merge(first.task, await first.result);
    }
  } finally {
    if (!exhausted) {
      // A read still going finishes before the source is closed (a generator runs one step at a time).
      await (ahead as Promise<IteratorResult<T>> | null)?.catch(() => undefined);
      await source.return?.();
    }
  }
}

/**
 * Keeping tasks in order: the engine's side (`runInOrder`) hands results to the merge
 * strictly in task order while several are in flight.
 */

/** Anything that runs one task at a time or several at once (a SegmentRunner, a pool). */
export interface OrderedRunner<T, R> {
  /** How many tasks the runner can work on at once; twice as many are kept in flight. */
  readonly concurrency: number;
  run(task: T): Promise<R>;
}

/**
 * Runs tasks with up to twice `runner.concurrency` in flight and hands results to `merge`
 * strictly in task order, holding back results that arrive early. The first rejection (in
 * task order) or an abort ends the run with that error.
 */
export async function runInOrder<T, R>(
  tasks: readonly T[],
  runner: OrderedRunner<T, R>,
  signal: AbortSignal | undefined,
  merge: (task: T, result: R) => void,
): Promise<void> {
  const pending = new Map<number, Promise<R>>();
  let next = 0;
  const inFlight = Math.max(1, runner.concurrency * 2);
  for (let i = 0; i < tasks.length; i++) {
    while (next < tasks.length && next < i + inFlight) {
      const promise = runner.run(tasks[next] as T);
      promise.catch(() => undefined); // awaited in order below; this only silences early rejections
      pending.set(next, promise);
      next++;
    }
    signal?.throwIfAborted();
    const result = await (pending.get(i) as Promise<R>);
    pending.delete(i);
    merge(tasks[i] as T, result);
  }
}

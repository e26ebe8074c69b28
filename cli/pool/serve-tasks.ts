/**
 * The worker side of the pool's protocol (protocol.ts), for every worker script: each task
 * message is run and answered with its result or why it failed; `ready` once set up.
 */
import type { MessagePort } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.ts';

/**
 * Answers each task on `port` with `run`'s result, then says the worker is ready. Tasks run
 * one after another in the order they came, and are answered in that order: a pool may send
 * a worker its next task before the last is done (pool-core.ts's `tasksPerWorker`).
 * @param spentBuffers where given, the buffers of a task that `run` has answered and holds
 *   nothing of (its pieces' bytes): moved back with the result, for the pool's reader to read
 *   the next pieces into (pieces.ts's FreePieceBuffers). Not after a failed task.
 */
export function serveTasks<T, R>(
  port: MessagePort,
  run: (task: T) => Promise<R>,
  spentBuffers?: (task: T) => ArrayBuffer[],
): void {
  let previous: Promise<void> = Promise.resolve();
  port.on('message', (message: ToWorker<T>) => {
    previous = previous.then(() => answer(message));
  });
  const answer = async (message: ToWorker<T>): Promise<void> => {
    try {
      const result = await run(message.task);
      const spent = spentBuffers?.(message.task).filter((buffer) => buffer.byteLength > 0) ?? [];
      if (spent.length > 0)
        port.postMessage(
          { type: 'result', id: message.id, result, pieceBuffers: spent } satisfies FromWorker<R>,
          spent,
        );
      else port.postMessage({ type: 'result', id: message.id, result } satisfies FromWorker<R>);
    } catch (error) {
      port.postMessage({
        type: 'error',
        id: message.id,
        message: (error as Error).stack ?? String(error),
      } satisfies FromWorker<R>);
    }
  };
  port.postMessage({ type: 'ready' } satisfies FromWorker<R>);
}

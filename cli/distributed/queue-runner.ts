/**
 * A {@link SegmentRunner} on a BullMQ queue: `run(task)` adds one job for the task and
 * resolves with the segment's result when a `tickmark worker` (anywhere) has checked it;
 * the engine keeps a bounded number in flight and merges the results in order, exactly as
 * with the local pool.
 *
 * Why one job per task, awaited through QueueEvents, rather than a flow (a parent job with
 * every segment as a child): the engine hands tasks over one by one, at most twice the
 * runner's concurrency ahead of the merge, and wants each result as soon as it is in; a
 * flow is added whole (every segment of a billion-receipt archive in Redis at once, each
 * carrying its setup) and reports when all children are done. One job per task keeps
 * Redis holding only what is in flight, and each result is taken as it comes.
 *
 * Each result is taken once: the job id is (run, task index), a task's promise settles
 * only once, and its job is removed when its result is taken. A worker killed mid-task
 * loses its lock; BullMQ's stalled-job check (run by the other workers) puts the job back
 * and another worker checks it; the first worker's result, if it ever comes, is refused by
 * BullMQ (the lock is gone), so nothing is counted twice.
 *
 * The failure rule is the local pool's: the first task that fails (a worker refused it,
 * the job failed after its attempts, Redis went away, no worker for too long) fails every
 * task not yet settled with that one error and refuses new tasks; the verification stops
 * with that error (exit 2).
 */
import { randomUUID } from 'node:crypto';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { SegmentResult } from '../../shared/engine/segment.ts';
import type { SegmentRunner, SegmentTask } from '../../shared/engine/segment-task.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import {
  JOB_FORMAT,
  JOB_NAME,
  QUEUE_NAME,
  SETUP_TTL_SECONDS,
  jobId,
  queuedSetup,
  setupKey,
  setupSha256,
  type SegmentJobData,
} from './protocol.ts';
import { reasonOf, runConnection, type RedisAddress } from './redis.ts';
import { fromWire, toWire } from './wire.ts';

/**
 * Events kept in the queue's event stream. A completed event carries the result (about
 * 260 KB for a segment of 1,000 receipts; a job makes about five events), so BullMQ's
 * default of 10,000 events would let Redis hold half a gigabyte of results already taken;
 * 500 keep it near 25 MB. A run reads its events as they come, and finds any it missed
 * (trimmed before it read them, or during a reconnect) by asking for the job's state (see
 * `watch`).
 */
export const EVENTS_MAX_LEN = 500;

export interface QueueRunnerOptions {
  readonly address: RedisAddress;
  /** Where the workers open the archive (absolute path or URL), and the SHA-256 of its bytes. */
  readonly archive: { readonly location: string; readonly sha256: string };
  readonly setup: RunnerSetup;
  /** Tasks the queue works on at once; default the worker slots connected at start. */
  readonly concurrency?: number | undefined;
  /** How long to wait with no worker connected before giving up, ms. */
  readonly workerWaitMs: number;
  /** How often to look at the workers and at jobs whose events may have been missed, ms (default 2,000). */
  readonly watchMs?: number;
  /** A note for the person waiting (stderr): waiting for a worker, a worker lost. */
  readonly note?: (text: string) => void;
  /** Stops the run: every task not yet settled fails with the signal's reason. */
  readonly signal?: AbortSignal;
  /** How long closing waits for jobs a worker still holds, to remove them too, ms (default 10,000). */
  readonly cleanupWaitMs?: number;
}

/**
 * Worker slots connected to the queue: each `tickmark worker` names its connection
 * `…-c<concurrency>` (see worker command); another BullMQ worker counts as one.
 */
export async function workerSlots(queue: Queue): Promise<number> {
  const clients = await queue.getWorkers();
  const names = new Set(clients.map((c) => String((c as { rawname?: unknown }).rawname ?? c.name)));
  let slots = 0;
  for (const name of names) slots += Number(/-c(\d+)$/.exec(name)?.[1] ?? 1);
  return slots;
}

interface Pending {
  readonly index: number;
  readonly task: SegmentTask;
  readonly resolve: (result: SegmentResult) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Connects to the queue, waits (up to `workerWaitMs`) for a worker, and returns the runner.
 * @throws Error when Redis fails or no worker comes.
 */
export async function startQueueRunner(options: QueueRunnerOptions): Promise<SegmentRunner> {
  const { address, workerWaitMs } = options;
  const note = options.note ?? (() => undefined);
  const queue = new Queue(QUEUE_NAME, {
    connection: runConnection(address),
    streams: { events: { maxLen: EVENTS_MAX_LEN } },
    defaultJobOptions: {
      // A worker's passing failure (its disk, its network) is tried again, elsewhere if need be.
      attempts: 3,
      backoff: { type: 'fixed', delay: 1_000 },
      // Taken results are removed at once; these bounds only catch what a run that died left.
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 24 * 3600 },
    },
  });
  // Each job awaited (Job.waitUntilFinished) listens for the queue's 'closing': one listener
  // per task in flight, which is twice the worker slots, not a leak.
  queue.setMaxListeners(0);
  const events = new QueueEvents(QUEUE_NAME, { connection: runConnection(address, true) });
  let lastRedisError: unknown = null;
  queue.on('error', (error) => void (lastRedisError = error));
  events.on('error', (error) => void (lastRedisError = error));
  const closeConnections = async () => {
    await Promise.allSettled([events.close(), queue.close()]);
  };

  let slots: number;
  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady()]);
    slots = await waitForWorkers(queue, workerWaitMs, address, note, options.signal);
  } catch (error) {
    await closeConnections();
    throw error instanceof NoWorkerError || error === options.signal?.reason
      ? error
      : new Error(`cannot use the queue at ${address.display}: ${reasonOf(lastRedisError ?? error)}`);
  }

  const run = randomUUID();
  // The setup once in Redis, each job naming it by SHA-256.
  const setupText = JSON.stringify(toWire(queuedSetup(options.setup)));
  const setupDigest = setupSha256(setupText);
  const setupAt = setupKey(run, setupDigest);
  try {
    await (await queue.getBackend().client).set(setupAt, setupText, { EX: SETUP_TTL_SECONDS });
  } catch (error) {
    await closeConnections();
    throw new Error(`cannot use the queue at ${address.display}: ${reasonOf(lastRedisError ?? error)}`);
  }
  const pending = new Map<string, Pending>();
  /** Jobs of this run not yet removed (added, or being added). */
  const inRedis = new Set<string>();
  /** Jobs Redis has confirmed adding: only these can be missing from it. */
  const stored = new Set<string>();
  const removals = new Set<Promise<unknown>>();
  /** Jobs being added: closing waits for them, so none is added after the run removed its jobs. */
  const adding = new Set<Promise<unknown>>();
  let next = 0;
  let failure: Error | null = null;
  let closed = false;

  const fail = (error: Error) => {
    if (failure || closed) return;
    failure = error;
    const waiting = [...pending.values()];
    pending.clear();
    for (const p of waiting) p.reject(error);
  };

  const remove = (id: string) => {
    const removal = queue
      .remove(id)
      .then((removed) => {
        if (removed === 1) {
          inRedis.delete(id);
          stored.delete(id);
        }
      })
      .catch(() => undefined)
      .finally(() => removals.delete(removal));
    removals.add(removal);
  };

  const settle = (id: string, value: unknown) => {
    const p = pending.get(id);
    if (!p) return; // settled already (an event and the watch can both bring it)
    pending.delete(id);
    let result: SegmentResult;
    try {
      result = fromWire(value) as SegmentResult;
      if (result === null || typeof result !== 'object' || result.path !== p.task.path)
        throw new Error(`the result is not ${p.task.path}'s`);
    } catch (error) {
      pending.set(id, p);
      fail(new Error(`a worker returned an unusable result for ${p.task.path}: ${(error as Error).message}`));
      return;
    }
    p.resolve(result);
    remove(id);
  };

  const failed = (id: string, reason: string) => {
    const p = pending.get(id);
    if (p) fail(new Error(`a worker could not check ${p.task.path}: ${reason}`));
  };

  let noWorkerSince: number | null = null;
  let lastRedisOk = Date.now();
  let ticks = 0;
  let watching = false;
  /** Workers present, Redis reachable, and jobs whose events were missed (a trimmed stream, a reconnect). */
  const watch = async () => {
    if (watching || failure || closed) return;
    watching = true;
    try {
      const now = Date.now();
      const present = await workerSlots(queue);
      lastRedisOk = Date.now();
      if (present > 0) noWorkerSince = null;
      else if (pending.size > 0) {
        if (noWorkerSince === null) {
          noWorkerSince = now;
          note(`no worker is connected to the queue at ${address.display}; waiting up to ${workerWaitMs / 1000} s`);
        } else if (now - noWorkerSince > workerWaitMs) throw new NoWorkerError(address, workerWaitMs);
      }
      if (++ticks % 5 === 0) {
        for (const id of [...pending.keys()].slice(0, 64)) {
          if (!stored.has(id)) continue;
          const state = await queue.getJobState(id);
          if (state === 'completed') settle(id, (await Job.fromId(queue, id))?.returnvalue);
          else if (state === 'failed') failed(id, (await Job.fromId(queue, id))?.failedReason ?? 'it failed');
          else if (state === 'unknown') {
            const p = pending.get(id);
            if (p) fail(new Error(`the job for ${p.task.path} is no longer on the queue at ${address.display}`));
          }
        }
      }
    } catch (error) {
      if (error instanceof NoWorkerError) fail(error);
      else if (Date.now() - lastRedisOk > 15_000)
        fail(new Error(`lost the connection to Redis at ${address.display}: ${reasonOf(lastRedisError ?? error)}`));
    } finally {
      watching = false;
    }
  };
  const timer = setInterval(() => void watch(), options.watchMs ?? 2_000);
  timer.unref();
  const onAbort = () => fail(options.signal?.reason instanceof Error ? options.signal.reason : new Error('stopped'));
  options.signal?.addEventListener('abort', onAbort, { once: true });

  return {
    name: `a BullMQ queue at ${address.display}`,
    concurrency: Math.max(1, options.concurrency ?? slots),
    run(task: SegmentTask): Promise<SegmentResult> {
      if (failure) return Promise.reject(failure);
      if (closed) return Promise.reject(new Error('the queue runner was closed'));
      const index = next++;
      const id = jobId(run, index);
      const promise = new Promise<SegmentResult>((resolve, reject) =>
        pending.set(id, { index, task, resolve, reject }),
      );
      const data: SegmentJobData = {
        format: JOB_FORMAT,
        run,
        index,
        archive: options.archive,
        setupSha256: setupDigest,
        task: toWire(task),
      };
      inRedis.add(id);
      const added = queue.add(JOB_NAME, data, { jobId: id });
      const tracked = added.catch(() => undefined).finally(() => adding.delete(tracked));
      adding.add(tracked);
      void (async () => {
        let job: Job;
        try {
          job = await added;
          stored.add(id);
        } catch (error) {
          if (pending.has(id))
            fail(new Error(`could not put ${task.path} on the queue at ${address.display}: ${reasonOf(error)}`));
          return;
        }
        try {
          settle(id, await job.waitUntilFinished(events));
        } catch (error) {
          if (!closed) failed(id, reasonOf(error));
        }
      })();
      return promise;
    },
    async close() {
      if (!closed) {
        closed = true;
        clearInterval(timer);
        options.signal?.removeEventListener('abort', onAbort);
        const waiting = [...pending.values()];
        pending.clear();
        for (const p of waiting) p.reject(failure ?? new Error('the queue runner was closed'));
        // Jobs not taken (the run failed or was stopped) are removed; one that outlives the
        // wait below goes by removeOnComplete / removeOnFail age.
        await Promise.all([...adding]);
        // A job a worker holds cannot be removed until it finishes (or its lock runs out):
        // tried again for a while, so a stopped run leaves nothing behind in the usual case.
        const giveUp = Date.now() + (options.cleanupWaitMs ?? 10_000);
        for (;;) {
          for (const id of inRedis) remove(id);
          while (removals.size > 0) await Promise.all([...removals]);
          if (inRedis.size === 0 || Date.now() >= giveUp) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        // Its setup too (a job still held by a worker has its checker by now; else the day's expiry).
        if (inRedis.size === 0) await (await queue.getBackend().client).del(setupAt).catch(() => undefined);
        await closeConnections();
      }
    },
  };
}

class NoWorkerError extends Error {
  override name = 'NoWorkerError';
  constructor(address: RedisAddress, waitedMs: number) {
    super(
      `no tickmark worker has been connected to the queue at ${address.display} for ${Math.round(waitedMs / 1000)} s; start workers with: tickmark worker --queue ${address.display}`,
    );
  }
}

/** Worker slots once at least one worker is connected. @throws NoWorkerError after `waitMs` without one. */
async function waitForWorkers(
  queue: Queue,
  waitMs: number,
  address: RedisAddress,
  note: (text: string) => void,
  signal: AbortSignal | undefined,
): Promise<number> {
  const start = Date.now();
  let said = false;
  for (;;) {
    signal?.throwIfAborted();
    const slots = await workerSlots(queue);
    if (slots > 0) return slots;
    if (Date.now() - start >= waitMs) throw new NoWorkerError(address, waitMs);
    if (!said) {
      note(`waiting for a worker on the queue at ${address.display} (up to ${Math.round(waitMs / 1000)} s)`);
      said = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

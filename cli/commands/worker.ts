/**
 * `tickmark worker --queue redis://host:port [--concurrency N] [--lock-duration ms]
 * [--stalled-interval ms] [--max-stalled N] [--verbose]`: a long-running process that
 * takes segment tasks from the queue (cli/distributed/), checks them against the archive
 * it opens itself, and returns each segment's result. It stops on SIGINT or SIGTERM after
 * the tasks in hand (a second signal stops it at once; those tasks go to other workers).
 */
import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { UsageError, parseArgs, type CommandIo } from '../args.ts';
import { QUEUE_NAME, setupKey } from '../distributed/protocol.ts';
import { parseRedisUrl, probeRedis, reasonOf, workerConnection } from '../distributed/redis.ts';
import { JobRefusedError, segmentService } from '../distributed/segment-service.ts';

export const WORKER_USAGE = `usage: tickmark worker --queue redis://host:port [--concurrency N] [--lock-duration ms] [--stalled-interval ms] [--max-stalled N] [--verbose]

Takes segment tasks of 'tickmark verify --queue' from Redis until stopped (SIGINT or SIGTERM).
  --concurrency N        tasks at once in this process (default 1; run one worker process per core)
  --lock-duration ms     a task whose worker has not renewed its lock for this long is given
                         to another worker (default 30000)
  --stalled-interval ms  how often this worker looks for such tasks (default 30000)
  --max-stalled N        times a task may be given back before it fails (default 3)
  --verbose              a line per task taken and done
`;

function whole(value: string | undefined, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  return n;
}

function taskPath(job: Job): string {
  const task = (job.data as { task?: { path?: unknown } } | null)?.task;
  return typeof task?.path === 'string' ? task.path : `job ${job.id}`;
}

/** Runs a worker until a signal; returns the exit status (0 stopped, 2 could not start). */
export async function runWorker(argv: readonly string[], io: CommandIo): Promise<number> {
  const args = parseArgs(argv, {
    single: ['queue', 'concurrency', 'lock-duration', 'stalled-interval', 'max-stalled'],
    flags: ['verbose', 'help'],
    usage: WORKER_USAGE,
  });
  if (args.flags.help) {
    io.stdout(WORKER_USAGE);
    return 0;
  }
  if (args.positional.length > 0) throw new UsageError(`worker takes no positional argument\n${WORKER_USAGE}`);
  if (args.single.queue === undefined) throw new UsageError(`worker needs --queue redis://host:port\n${WORKER_USAGE}`);
  const address = parseRedisUrl(args.single.queue);
  const concurrency = whole(args.single.concurrency, 'concurrency', 1, 256, 1);
  const lockDuration = whole(args.single['lock-duration'], 'lock-duration', 500, 3_600_000, 30_000);
  const stalledInterval = whole(args.single['stalled-interval'], 'stalled-interval', 200, 3_600_000, 30_000);
  const maxStalledCount = whole(args.single['max-stalled'], 'max-stalled', 0, 100, 3);
  const verbose = args.flags.verbose === true;
  await probeRedis(address);

  const service = segmentService({
    maxIdle: Math.max(8, 2 * concurrency),
    // The run's setup, from the Redis the jobs come from (asked only once the worker is made).
    setupText: async (run, sha256) => (await worker.getBackend().client).get(setupKey(run, sha256)),
  });
  const say = (text: string) => io.stderr(`tickmark worker ${process.pid}: ${text}\n`);
  const worker = new Worker(
    QUEUE_NAME,
    async (job: Job) => {
      const path = taskPath(job);
      if (verbose) say(`checking ${path} (job ${job.id}, attempt ${job.attemptsMade + 1})`);
      try {
        const result = await service.process(job.data);
        if (verbose) say(`checked ${path} (job ${job.id})`);
        return result;
      } catch (error) {
        // Refused (a different archive, a job this version cannot read): no other attempt can do better.
        if (error instanceof JobRefusedError) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    {
      connection: workerConnection(address),
      concurrency,
      lockDuration,
      stalledInterval,
      maxStalledCount,
      // Read by `verify --queue` (queue-runner.ts, workerSlots) to size its tasks in flight.
      name: `tickmark-${hostname()}-${process.pid}-c${concurrency}`,
    },
  );
  let lastError = '';
  worker.on('error', (error) => {
    const reason = reasonOf(error);
    if (reason !== lastError) say(`Redis: ${reason}`);
    lastError = reason;
  });
  worker.on('ready', () => {
    if (lastError !== '') say(`connected again to ${address.display}`);
    lastError = '';
  });
  worker.on('failed', (job, error) => say(`${job ? taskPath(job) : 'a task'} failed: ${error.message}`));
  await worker.waitUntilReady();
  say(
    `ready: taking tasks from the queue "${QUEUE_NAME}" at ${address.display} (concurrency ${concurrency}, lock ${lockDuration} ms, stalled check every ${stalledInterval} ms)`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  say('stopping after the tasks in hand');
  // Without Redis, BullMQ's close waits for a connection that does not come: bounded here,
  // the tasks in hand then go back to the queue when their locks run out.
  const closed = await Promise.race([
    worker.close().then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), lockDuration + 5_000).unref()),
  ]);
  if (!closed) {
    say('Redis did not answer; stopped without it');
    await Promise.race([worker.disconnect(), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
  }
  await service.close();
  // A reconnecting Redis client would keep the process alive: the command is over.
  setTimeout(() => process.exit(0), 1_000).unref();
  return 0;
}

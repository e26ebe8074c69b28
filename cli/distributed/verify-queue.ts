/**
 * `tickmark verify <archive.zip | http(s) URL> --queue redis://host:port`: the engine runs
 * here as always (manifest, keys, bundles, checkpoints, the in-order merge, the summary);
 * only the segment checks go to the queue, to `tickmark worker`s that open the archive
 * themselves. The report is the one a local verify prints; its check list says the
 * segments were checked by "a BullMQ queue at redis://…".
 *
 * Each task is bound to the archive's bytes: it carries the SHA-256 of the archive file,
 * computed here, and a worker that opened other bytes refuses it — the run then stops
 * with that message (exit 2), never with a report made from two archives.
 */
import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import type { SegmentRunner } from '../../shared/engine/segment-task.ts';
import type { Progress, VerifyReport } from '../../shared/engine/types.ts';
import { verifyZipBytes, type EngineOptions } from '../../shared/engine/verify.ts';
import { UsageError } from '../args.ts';
import { engineOptions } from '../engine-options.ts';
import { runtimeWebCryptoVerifier } from '../../shared/format/webcrypto-ed25519.ts';
import { withTempSpill } from '../spill-node.ts';
import {
  isHttpUrl,
  locationName,
  openLocation,
  parseLocation,
  sha256OfBytes,
  type ArchiveLocation,
  type OpenedArchive,
} from './archive-location.ts';
import { startQueueRunner } from './queue-runner.ts';
import { parseRedisUrl, probeRedis } from './redis.ts';

export interface QueueVerifyOptions {
  readonly trustedRoots: readonly string[];
  /** `redis://host:port`. */
  readonly queue: string;
  /** Where the workers open the archive, when not where this process reads it. */
  readonly workerArchive?: string | undefined;
  /** Tasks the queue works on at once; default the worker slots connected at start. */
  readonly concurrency?: number | undefined;
  /** How long to wait with no worker connected, seconds (default 60). */
  readonly workerWaitSeconds?: number | undefined;
  /** Notes and progress for the person waiting (stderr). */
  readonly note?: (text: string) => void;
}

/**
 * Verifies a ZIP archive (a file or an http(s) URL) with its segments checked on the queue.
 * @throws UsageError (exit 2) when it cannot run: the archive cannot be opened, Redis cannot be
 *   reached, no worker comes, a worker refuses or fails a task.
 */
export async function verifyOnQueue(archive: string, options: QueueVerifyOptions): Promise<VerifyReport> {
  const address = parseRedisUrl(options.queue);
  const note = options.note ?? (() => undefined);
  const here = await localLocation(archive);
  let there: ArchiveLocation = here;
  if (options.workerArchive !== undefined) {
    try {
      there = parseLocation(options.workerArchive);
    } catch (error) {
      throw new UsageError(`--worker-archive: ${(error as Error).message}`);
    }
  }
  // Redis first: a second, not the minutes that hashing a large archive takes.
  await probeRedis(address);
  let opened: OpenedArchive;
  try {
    opened = await openLocation(here);
  } catch (error) {
    throw new UsageError(`cannot open ${archive}: ${(error as Error).message}`);
  }
  let sha256: string;
  try {
    sha256 = await sha256OfBytes(opened.bytes);
  } catch (error) {
    await opened.bytes.close?.();
    throw new UsageError(`cannot read ${archive}: ${(error as Error).message}`);
  }

  // The engine falls back to this thread when a runner cannot start ("costs time, not
  // checks"); here the person asked for the queue, so a runner that cannot start stops the
  // run: the abort reason is what the engine rethrows.
  const stop = new AbortController();
  let runnerFailure: unknown = null;
  const segmentRunner: EngineOptions['segmentRunner'] = async (setup) => {
    let runner: SegmentRunner;
    try {
      runner = await startQueueRunner({
        address,
        archive: { location: there.kind === 'file' ? there.path : there.url, sha256 },
        setup,
        concurrency: options.concurrency,
        workerWaitMs: (options.workerWaitSeconds ?? 60) * 1000,
        signal: stop.signal,
        note,
      });
    } catch (error) {
      runnerFailure = error;
      stop.abort(error);
      throw error;
    }
    note(`checking segments on the queue at ${address.display} (${runner.concurrency} at once)`);
    return {
      ...runner,
      run: (task) =>
        runner.run(task).catch((error: unknown) => {
          runnerFailure ??= error;
          throw error;
        }),
      close: () => runner.close(),
    };
  };
  // Stopped by a person (Ctrl-C) or a supervisor: the run's jobs are taken off the queue
  // before the process ends; a second signal ends it at once.
  const interrupt = (signal: NodeJS.Signals) => stop.abort(new Error(`interrupted (${signal})`));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // keys.json's signatures are verified here at once, and the checkpoints judged in batches
  // while the queue's workers check the segments, each side held within a window of the other
  // (a producer may write one for every receipt).
  const aheadVerifier = await runtimeWebCryptoVerifier();
  try {
    return await withTempSpill((spill) =>
      verifyZipBytes(opened.bytes, locationName(here), {
        ...engineOptions(),
        ...(aheadVerifier ? { aheadVerifier } : {}),
        trustedRoots: options.trustedRoots,
        signal: stop.signal,
        // Asked for the queue: every archive of more than one segment goes to it.
        segmentRunnerMinBytes: 0,
        segmentRunner,
        onProgress: progressPrinter(note),
        ...(spill ? { spill } : {}),
      }),
    );
  } catch (error) {
    const why = stop.signal.aborted ? stop.signal.reason : error === runnerFailure ? error : null;
    if (why) throw new UsageError(`verification on the queue stopped: ${(why as Error).message}`);
    throw error;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await opened.bytes.close?.();
  }
}

/** Where this process reads the archive: an http(s) URL, or a ZIP file (a directory has no one hash). */
async function localLocation(archive: string): Promise<ArchiveLocation> {
  if (isHttpUrl(archive)) {
    try {
      return parseLocation(archive);
    } catch (error) {
      throw new UsageError(`cannot open ${archive}: ${(error as Error).message}`);
    }
  }
  const path = resolve(archive);
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (error) {
    throw new UsageError(
      `cannot open ${archive}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (error as Error).message}`,
    );
  }
  if (isDirectory)
    throw new UsageError(
      `verify --queue takes a ZIP file or an http(s) URL: the workers are bound to the SHA-256 of one archive file, and ${archive} is a directory`,
    );
  return { kind: 'file', path };
}

/**
 * A line on stderr at each tenth of the ledger data checked (and at most every 15 s otherwise),
 * with the checkpoints verified where the archive has them; once the last receipt is checked,
 * a line when the last checkpoints are being verified (and at most every 15 s after).
 */
export function progressPrinter(
  note: (text: string) => void,
  now: () => number = Date.now,
): (progress: Progress) => void {
  let nextTenth = 1;
  let last = now();
  let inTail = false;
  const count = (n: number) => n.toLocaleString('en-US');
  return (p) => {
    const tail = p.phase === 'checkpoints' && p.receiptsDone > 0;
    if ((p.phase !== 'ledgers' && !tail) || p.bytesTotal <= 0) return;
    const checkpoints = `${count(p.checkpointsDone)} of ${count(p.checkpointsTotal)} checkpoints`;
    if (tail) {
      if (inTail && now() - last < 15_000) return;
      inTail = true;
      last = now();
      note(`every receipt checked (${count(p.receiptsDone)}); verifying the last checkpoints: ${checkpoints}`);
      return;
    }
    const tenth = Math.floor((p.bytesDone / p.bytesTotal) * 10);
    if (tenth < nextTenth && now() - last < 15_000) return;
    nextTenth = Math.max(nextTenth, tenth + 1);
    last = now();
    note(
      `${Math.floor((p.bytesDone / p.bytesTotal) * 100)}% of the ledger data checked (${count(p.receiptsDone)} receipts${p.checkpointsTotal > 0 ? `, ${checkpoints}` : ''})`,
    );
  };
}

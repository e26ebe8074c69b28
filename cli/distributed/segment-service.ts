/**
 * What a `tickmark worker` does with one segment job, apart from the queue: find the
 * archive where the job says, make sure its bytes are the ones the verifier hashed, rebuild
 * the checker from the run's setup (read once, by the SHA-256 the job names, and checked
 * against it) exactly as a pool worker thread does
 * (cli/pool/verify-worker.ts: `segmentChecker`, the native strict verifier, the CLI's
 * control factories), check the segment and return its result in wire form.
 *
 * Caches: the archive's SHA-256 per (location, version), so an archive is hashed once per
 * worker, not once per task; checkers per (run, archive SHA-256, setup SHA-256). A checker
 * serves one task at a time (its stateless controls hand over the findings made since
 * the last task, so two tasks at once would mix their findings), and one whose task failed
 * is dropped. The run is part of the key because an opened archive counts the bytes it
 * decompressed against the total-size bound, as the local pool's per-run workers do.
 */
import { openZip } from '../../shared/archive/zip.ts';
import type { ArchiveSource } from '../../shared/archive/source.ts';
import type { SegmentTask } from '../../shared/engine/segment-task.ts';
import { segmentChecker, type SegmentChecker } from '../../shared/engine/segment-worker.ts';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import { controlFactories } from '../engine-options.ts';
import { nativeStrictVerifier } from '../native-ed25519.ts';
import { useNativeSha256 } from '../native-sha256.ts';
import {
  currentVersion,
  displayLocation,
  locationName,
  openLocation,
  parseLocation,
  recordingFailures,
  sha256OfBytes,
  type ArchiveLocation,
} from './archive-location.ts';
import { parseJobData, setupSha256 } from './protocol.ts';
import { fromWire, toWire, type Json } from './wire.ts';
import { nodeInflate } from '../node-zip.ts';

/** A job this worker must not take again and no other worker should retry with the same data. */
export class JobRefusedError extends Error {
  override name = 'JobRefusedError';
}

/** The worker opened other bytes than the verifier hashed: the job is refused, never checked. */
export class DifferentArchiveError extends JobRefusedError {
  override name = 'DifferentArchiveError';
  constructor(
    readonly expected: string,
    readonly found: string,
    location: string,
  ) {
    super(`worker has a different archive: expected ${expected}, found ${found} (at ${location})`);
  }
}

export interface SegmentService {
  /** Checks the segment a job names; returns its SegmentResult in wire form. */
  process(data: unknown): Promise<Json>;
  /** How many times an archive was hashed (each location and version once). */
  readonly hashes: () => number;
  close(): Promise<void>;
}

interface Checker {
  readonly key: string;
  readonly source: ArchiveSource;
  readonly check: SegmentChecker;
  readonly version: string;
  versionNow(): Promise<string>;
  failure(): Error | null;
}

export interface SegmentServiceOptions {
  /**
   * The text of a run's setup (`protocol.ts`, `setupKey`: from Redis), or null when it is not
   * there (the run has ended). Read only to build a checker, and checked against the SHA-256.
   */
  readonly setupText: (run: string, setupSha256: string) => Promise<string | null>;
  /** Idle checkers kept for reuse (default 8); the oldest is closed first. */
  readonly maxIdle?: number;
}

export function segmentService(options: SegmentServiceOptions): SegmentService {
  useNativeSha256();
  const maxIdle = options.maxIdle ?? 8;
  const hashByVersion = new Map<string, Promise<string>>();
  /** Idle checkers, oldest first. */
  const idle: Checker[] = [];
  let hashed = 0;

  async function archiveHash(location: ArchiveLocation, version: string): Promise<string> {
    const key = `${displayLocation(location)}\n${version}`;
    let hash = hashByVersion.get(key);
    if (!hash) {
      hash = (async () => {
        const opened = await openLocation(location);
        try {
          if (opened.version !== version) throw new Error(`${displayLocation(location)} changed while it was opened`);
          hashed++;
          return await sha256OfBytes(opened.bytes);
        } finally {
          await opened.bytes.close?.();
        }
      })();
      hashByVersion.set(key, hash);
      hash.catch(() => hashByVersion.delete(key));
      // Versions of a location that are gone will not be asked for again: keep a few.
      if (hashByVersion.size > 64) hashByVersion.delete(hashByVersion.keys().next().value as string);
    }
    return hash;
  }

  /** The setup a job names, read and checked against its SHA-256. */
  async function setupOf(run: string, sha256: string): Promise<RunnerSetup> {
    const text = await options.setupText(run, sha256);
    if (text === null) throw new JobRefusedError(`the run's setup (${sha256}) is not in Redis: the run has ended`);
    if (setupSha256(text) !== sha256)
      throw new JobRefusedError(`the run's setup in Redis is not the one its jobs name (${sha256})`);
    return fromWire(JSON.parse(text) as Json) as RunnerSetup;
  }

  async function build(
    key: string,
    location: ArchiveLocation,
    version: string,
    readSetup: () => Promise<RunnerSetup>,
  ): Promise<Checker> {
    const setup = await readSetup();
    const opened = await openLocation(location);
    if (opened.version !== version) {
      await opened.bytes.close?.();
      throw new Error(`${displayLocation(location)} changed while it was opened`);
    }
    const recorded = recordingFailures(opened.bytes);
    const source = await openZip(recorded.bytes, locationName(location), setup.limits, { inflate: nodeInflate });
    try {
      const check = await segmentChecker(source, setup, {
        verifier: nativeStrictVerifier,
        controlFactories: controlFactories(),
      });
      return { key, source, check, version, versionNow: opened.versionNow, failure: recorded.failure };
    } catch (error) {
      await source.close();
      throw error;
    }
  }

  async function borrow(
    key: string,
    location: ArchiveLocation,
    version: string,
    readSetup: () => Promise<RunnerSetup>,
  ): Promise<Checker> {
    for (let i = idle.length - 1; i >= 0; i--) {
      const candidate = idle[i] as Checker;
      if (candidate.key !== key) continue;
      idle.splice(i, 1);
      if (candidate.version === version && (await candidate.versionNow().catch(() => null)) === version)
        return candidate;
      await candidate.source.close().catch(() => undefined);
    }
    return build(key, location, version, readSetup);
  }

  function giveBack(checker: Checker): void {
    idle.push(checker);
    while (idle.length > maxIdle) void (idle.shift() as Checker).source.close().catch(() => undefined);
  }

  return {
    hashes: () => hashed,
    async process(data) {
      const job = parseJobData(data);
      let location: ArchiveLocation;
      try {
        location = parseLocation(job.archive.location);
      } catch (error) {
        throw new JobRefusedError(`the job's archive location is unusable: ${(error as Error).message}`);
      }
      const where = displayLocation(location);
      let version: string;
      try {
        version = await currentVersion(location);
      } catch (error) {
        throw new Error(`cannot open the archive at ${where}: ${(error as Error).message}`, { cause: error });
      }
      const found = await archiveHash(location, version);
      if (found !== job.archive.sha256) throw new DifferentArchiveError(job.archive.sha256, found, where);

      const task = fromWire(job.task) as SegmentTask;
      const checker = await borrow(`${job.run}\n${found}\n${job.setupSha256}`, location, version, () =>
        setupOf(job.run, job.setupSha256),
      );
      let result;
      try {
        result = await checker.check(task);
      } catch (error) {
        await checker.source.close().catch(() => undefined);
        throw error;
      }
      const failure = checker.failure();
      if (failure) {
        // The engine made the failed read a finding; it is this worker's disk or network, not the evidence.
        await checker.source.close().catch(() => undefined);
        throw new Error(`could not read ${task.path} from ${where}: ${failure.message}`, { cause: failure });
      }
      giveBack(checker);
      return toWire(result);
    },
    async close() {
      await Promise.all(idle.splice(0).map((c) => c.source.close().catch(() => undefined)));
    },
  };
}

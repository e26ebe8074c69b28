/**
 * What goes through the queue: one job per segment task (the archive's location and SHA-256,
 * the run's setup by its SHA-256, the task), its return value the segment's result — both in
 * the exact JSON form of wire.ts. The setup is put in Redis once a run, under
 * {@link setupKey}: it holds keys.json as parsed, and an archive with a key or two for each of
 * hundreds of ledgers made every job carry half a megabyte. Nothing in Redis is secret: the
 * setup holds keys.json, the pinned roots (public keys) and the bundles.
 */
import { createHash } from 'node:crypto';
import type { RunnerSetup } from '../../shared/engine/verify.ts';
import type { Json } from './wire.ts';

/** The BullMQ queue every `tickmark worker` takes segment tasks from. */
export const QUEUE_NAME = 'tickmark-segments';
export const JOB_NAME = 'segment';
export const JOB_FORMAT = 'tickmark.segment-job.v2';

export interface SegmentJobData {
  readonly format: typeof JOB_FORMAT;
  /** The verification run (a random UUID): a worker keeps its checkers per run. */
  readonly run: string;
  /** The task's index in the run. */
  readonly index: number;
  readonly archive: {
    /** An absolute path every worker can read, or an http(s) URL. */
    readonly location: string;
    /** SHA-256 of the archive file's bytes, `sha256:<64 hex>`: a worker checks only these bytes. */
    readonly sha256: string;
  };
  /**
   * SHA-256 of the run's setup (the engine's RunnerSetup in wire form, as JSON text),
   * `sha256:<64 hex>`: the text is in Redis under {@link setupKey}, and a worker checks it.
   */
  readonly setupSha256: string;
  /** The SegmentTask, in wire form. */
  readonly task: Json;
}

/**
 * The run's setup as the queue carries it: without the keyring as the engine's thread built it
 * (`RunnerSetup.keyring`), so a worker builds its own from keys.json, verifying its signatures
 * once for its checker of the run (segment-service.ts), rather than take them on trust.
 */
export function queuedSetup({ keyring: _, ...shared }: RunnerSetup): RunnerSetup {
  return shared;
}

/** Where a run's setup text is kept in Redis while the run lasts (removed at its end, else in a day). */
export function setupKey(run: string, setupSha256: string): string {
  return `tickmark:setup:${run}:${setupSha256}`;
}

/** The SHA-256 of a setup's text as jobs name it (`SegmentJobData.setupSha256`). */
export function setupSha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

/** How long a run's setup stays in Redis when the run that put it there never removes it. */
export const SETUP_TTL_SECONDS = 24 * 3600;

/**
 * The job id of a run's task: one id per (run, index), so adding a task twice adds one job
 * and its result is taken once. BullMQ ids may not contain ":" nor be integers.
 */
export function jobId(run: string, index: number): string {
  return `${run}-${index}`;
}

const SHA256 = /^sha256:[0-9a-f]{64}$/;
const RUN = /^[0-9a-f-]{36}$/;

/**
 * The job's data, checked field by field (it comes from Redis).
 * @throws Error saying what is wrong: the job was not made by this version of tickmark verify.
 */
export function parseJobData(data: unknown): SegmentJobData {
  const d = data as Partial<Record<keyof SegmentJobData, unknown>> | null;
  const problem =
    d === null || typeof d !== 'object'
      ? 'it is not an object'
      : d.format !== JOB_FORMAT
        ? `its format is ${JSON.stringify(d.format)}, not ${JOB_FORMAT}`
        : typeof d.run !== 'string' || !RUN.test(d.run)
          ? 'it has no run id'
          : !Number.isSafeInteger(d.index) || (d.index as number) < 0
            ? 'it has no task index'
            : d.archive === null ||
                typeof d.archive !== 'object' ||
                typeof (d.archive as { location?: unknown }).location !== 'string' ||
                !SHA256.test(String((d.archive as { sha256?: unknown }).sha256))
              ? 'it does not name the archive and its SHA-256'
              : typeof d.setupSha256 !== 'string' || !SHA256.test(d.setupSha256)
                ? 'it does not name its setup by SHA-256'
                : d.task === null || typeof d.task !== 'object'
                  ? 'it has no task'
                  : null;
  if (problem) throw new Error(`not a tickmark segment job (${problem})`);
  return d as SegmentJobData;
}

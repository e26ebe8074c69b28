/**
 * Running one segment check against an archive source: stream the entry once, hash it for
 * the manifest, split it into lines, check them. A reader refusal part-way (a size bound,
 * a corrupt entry) becomes a finding after whatever was read before it, never an exception.
 * The same function runs in the calling thread and inside each pool worker.
 */
import { readLines, type LineRead } from '../archive/lines.ts';
import { ArchiveUnreadableError, LimitExceededError, type ArchiveSource, type RawEntry } from '../archive/source.ts';
import { hashingChunks, type FileDigest } from '../format/hash.ts';
import { finding, type Finding } from './findings.ts';
import type { SegmentPiece } from './pieces.ts';
import { checkSegment, type SegmentContext, type SegmentResult } from './segment.ts';
import { SeqRunSet } from './seq-runs.ts';

/**
 * One unit of parallel work: a segment file of a ledger, or a piece of one (pieces.ts)
 * whose bytes come with the task, for a runner that takes pieces.
 */
export interface SegmentTask {
  readonly ledger: string;
  readonly path: string;
  /**
   * Seqs named by this ledger's checkpoints, as runs (seq-runs.ts): their receipts' hashes are
   * kept. Every checkpoint line that reads as one of this ledger's may be named, valid or not:
   * the merge only looks up the valid ones.
   */
  readonly checkpointRuns: readonly number[];
  /** The piece of the file to check, bytes included; absent: the whole file, read from the archive. */
  readonly piece?: SegmentPiece;
}

/** Checks segments, possibly several at once; the engine merges results in order. */
export interface SegmentRunner {
  readonly name: string;
  /** How many tasks the engine should keep in flight. */
  readonly concurrency: number;
  run(task: SegmentTask): Promise<SegmentResult>;
  /**
   * Runs several tasks as one (a runner that takes pieces: whole small files sent together),
   * their results in the order of the tasks. Without it, each task is run alone.
   */
  runMany?(tasks: SegmentTask[]): Promise<SegmentResult[]>;
  close(): Promise<void>;
  /**
   * The runner takes pieces of files with their bytes (the engine's thread reads and
   * hashes each file once and splits it); otherwise it is given whole files and reads them
   * from the archive itself.
   */
  readonly takesPieces?: boolean;
}

/**
 * `run` for a runner whose messages hold several tasks (`runMany`): one task sent alone, its one
 * result (both pools, the command line's threads and the app's workers).
 */
export function runAlone(runMany: (tasks: SegmentTask[]) => Promise<readonly SegmentResult[]>): SegmentRunner['run'] {
  return async (task) => {
    const [result] = await runMany([task]);
    if (!result) throw new Error('a verification worker gave no result for its task');
    return result;
  };
}

/**
 * The buffers of the tasks' pieces (a task for a whole file has none): what a message of them moves
 * to a worker, and what the worker moves back once they are checked.
 */
export function pieceBuffersOf(tasks: readonly SegmentTask[]): ArrayBuffer[] {
  return tasks.flatMap((task) => (task.piece ? [task.piece.bytes.buffer as ArrayBuffer] : []));
}

/** A piece's lines, numbered as in its file; a too-long line is given as `readLines` would. */
export function pieceLines(piece: SegmentPiece, maxLineBytes: number): AsyncIterable<LineRead> {
  if (piece.tooLong !== undefined) {
    const read: LineRead = { kind: 'too-long', line: piece.firstLine, length: piece.tooLong };
    return (async function* () {
      yield read;
    })();
  }
  return readLines([piece.bytes], maxLineBytes, piece.firstLine);
}

/** The finding a reader error gives, or null when the error is not the evidence's fault. */
export function readerErrorFinding(path: string, error: unknown): Finding | null {
  if (error instanceof LimitExceededError) {
    const value = error.value >= 1e6 ? `${Math.round(error.value / 1e6)} MB` : `${Math.round(error.value)}`;
    return finding(
      'ENTRY_TOO_LARGE',
      `${path} was not read past ${value}: ${error.message}.`,
      { path },
      { limit: error.limit },
    );
  }
  if (error instanceof ArchiveUnreadableError) return finding('ARCHIVE_UNREADABLE', error.message, { path });
  if (error instanceof Error && error.name !== 'AbortError')
    return finding('ARCHIVE_UNREADABLE', `${path} could not be read: ${error.message}`, { path });
  return null;
}

export async function runSegmentTask(
  source: ArchiveSource,
  entry: RawEntry,
  task: SegmentTask,
  context: SegmentContext,
  maxLineBytes: number,
  signal?: AbortSignal,
): Promise<SegmentResult> {
  let file: FileDigest | null = null;
  let failure: unknown = null;
  async function* hashed(): AsyncGenerator<Uint8Array> {
    try {
      yield* hashingChunks(source.read(entry, signal), (digest) => void (file = digest));
    } catch (error) {
      if (signal?.aborted) throw error;
      failure = error; // end the stream here; the whole lines read are still checked
    }
  }
  const lines = readLines(hashed(), maxLineBytes, 1, () => failure !== null);
  const result = await checkSegment(task.ledger, task.path, lines, context);
  if (failure !== null) {
    const f = readerErrorFinding(task.path, failure);
    if (!f) throw failure;
    result.findings.push({ ...f, ledger: task.ledger });
    result.file = null;
  } else {
    result.file = file;
  }
  return result;
}

/** Runs tasks one at a time in this thread (tests, the app's single worker, small archives). */
export function localRunner(
  source: ArchiveSource,
  entries: ReadonlyMap<string, RawEntry>,
  context: Omit<SegmentContext, 'checkpointSeqs'>,
  maxLineBytes: number,
  signal?: AbortSignal,
): SegmentRunner {
  return {
    name: 'this thread',
    concurrency: 1,
    run: (task) =>
      runSegmentTask(
        source,
        entries.get(task.path) as RawEntry,
        task,
        { ...context, checkpointSeqs: new SeqRunSet(task.checkpointRuns) },
        maxLineBytes,
        signal,
      ),
    close: async () => undefined,
  };
}

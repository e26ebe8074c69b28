/**
 * A ledger's checkpoints judged while its segments are checked (FORMAT.md §6), with an
 * asynchronous verifier: a producer may write a checkpoint for every receipt.
 *
 * The run reads each checkpoints file once before the segments, for the seqs alone (they tell
 * the segment checks which receipts' hashes to keep), and holds nothing of it. Here the file is
 * read a second time, in order, while the segments are checked: each line is read
 * ({@link LedgerMerger.readCheckpoint}), a batch's signatures are verified at once, and each
 * line is judged with its answer. The second read must give the bytes the first one hashed (the
 * hash the manifest is compared with): where it does not, the file changed during the run, and
 * that is reported as the file being unreadable.
 *
 * The two sides are paced ({@link Pacer}): judged checkpoints whose receipts have not come, and
 * receipts' hashes whose checkpoints are not judged yet, are what the ledger merger holds, so
 * neither side runs more than a window ahead of the other, unless the other waits too.
 */
import type { LineRead } from '../archive/lines.ts';
import type { FileDigest } from '../format/hash.ts';
import type { AsyncSignatureVerifier } from '../format/webcrypto-ed25519.ts';
import type { Finding } from './findings.ts';
import type { LedgerMerger } from './ledger.ts';
import { nextTask } from './next-task.ts';

/** Checkpoint lines whose signatures are verified at once. */
export const CHECKPOINT_BATCH = 512;
/** Entries a ledger merger may hold for the other side before the side ahead waits. */
export const PACING_WINDOW = 65_536;

/** One ledger's checkpoints file, as the first read left it. */
export interface CheckpointsToJudge {
  readonly ledger: LedgerMerger;
  readonly path: string;
  /** Lines the first read gave (those before its failure, if it failed). */
  readonly lines: number;
  /** What the first read hashed, when it read the whole file; null when it failed part-way. */
  readonly digest: FileDigest | null;
  /** Reads the file again; `done` gets its digest once it is read to its end. */
  readonly reread: (done: (digest: FileDigest) => void) => AsyncIterable<LineRead>;
}

/**
 * Keeps two producers of held state within a window of each other: one side waits (in
 * {@link wait}) only while the other side is not waiting itself, so they never both wait.
 */
export class Pacer {
  private waiters: (() => void)[] = [];
  private waitingSide: 'judging' | 'segments' | null = null;

  /** Waits while `blocked()` says so and the other side is not waiting; `blocked` is asked again after each move. */
  async wait(side: 'judging' | 'segments', blocked: () => boolean): Promise<void> {
    while (blocked() && this.waitingSide === null) {
      this.waitingSide = side;
      try {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      } finally {
        this.waitingSide = null;
      }
    }
  }

  /** Something moved: a waiting side asks again. */
  moved(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

export class CheckpointJudging {
  private readonly files: CheckpointsToJudge[] = [];
  private readonly judged = new Set<LedgerMerger>();
  private readonly segmentsLeft = new Map<LedgerMerger, number>();
  private stopped = false;
  readonly pacer = new Pacer();

  constructor(
    private readonly bulk: AsyncSignatureVerifier,
    private readonly hooks: {
      /** A finding about a checkpoints file that read differently the second time. */
      readonly onChanged: (path: string, why: string) => Finding;
      /** `lines` more checkpoint lines were judged (for progress). */
      readonly onJudged?: (lines: number) => void;
    },
    private readonly signal: AbortSignal | undefined,
    private readonly window = PACING_WINDOW,
  ) {}

  /** A checkpoints file to judge, in the order they are added. */
  add(file: CheckpointsToJudge): void {
    this.files.push(file);
  }

  /** The number of segment files of `ledger` to be merged (its judging waits for them, within the window). */
  expectSegments(ledger: LedgerMerger, files: number): void {
    this.segmentsLeft.set(ledger, files);
  }

  /** One segment file of `ledger` has been merged to its end. */
  segmentFileMerged(ledger: LedgerMerger): void {
    this.segmentsLeft.set(ledger, (this.segmentsLeft.get(ledger) ?? 1) - 1);
    this.pacer.moved();
  }

  /** Some segment result was merged. */
  merged(): void {
    this.pacer.moved();
  }

  /** Every segment has been merged (or the run stopped merging): judging waits for none. */
  segmentsDone(): void {
    this.segmentsLeft.clear();
    this.pacer.moved();
  }

  /** Before reading more of `ledger`'s segments: waits while it holds too many hashes not yet asked for. */
  roomForSegments(ledger: LedgerMerger): Promise<void> {
    return this.pacer.wait(
      'segments',
      () => !this.stopped && !this.judged.has(ledger) && ledger.hashesAwaitingCheckpoints > this.window,
    );
  }

  /** Judges every file added, in order, unless stopped (the run failed). */
  async judgeAll(): Promise<void> {
    try {
      for (const file of this.files) {
        if (this.stopped) return;
        await this.judgeFile(file);
        file.ledger.noMoreCheckpoints();
        this.judged.add(file.ledger);
        this.pacer.moved();
      }
    } finally {
      // Segments wait for no judging that will not come.
      for (const file of this.files) this.judged.add(file.ledger);
      this.pacer.moved();
    }
  }

  stop(): void {
    this.stopped = true;
    this.pacer.moved();
  }

  private async judgeFile(file: CheckpointsToJudge): Promise<void> {
    const { ledger } = file;
    let digest: FileDigest | null = null;
    let count = 0;
    let batch: LineRead[] = [];
    let failure: unknown = null;
    const lines = file.reread((d) => void (digest = d))[Symbol.asyncIterator]();
    try {
      // When the first read failed, the lines it gave are the ones judged, as when each is judged as it comes.
      while (!this.stopped && (file.digest !== null || count < file.lines)) {
        let next: IteratorResult<LineRead>;
        try {
          next = await lines.next();
        } catch (error) {
          this.signal?.throwIfAborted();
          failure = error;
          break;
        }
        if (next.done) break;
        const read = next.value;
        // Held until its batch is judged: the reader may reuse its bytes.
        batch.push(read.kind === 'too-long' ? read : { ...read, bytes: read.bytes.slice() });
        count++;
        if (batch.length === CHECKPOINT_BATCH) {
          await this.judgeBatch(ledger, batch);
          batch = [];
        }
      }
      if (batch.length > 0) await this.judgeBatch(ledger, batch);
    } finally {
      if (failure === null) await lines.return?.();
    }
    if (this.stopped) return;
    const changed = (why: string) => ledger.addFileFinding(this.hooks.onChanged(file.path, why));
    const second = digest as FileDigest | null;
    if (failure !== null) {
      if (count < file.lines || file.digest !== null)
        changed(
          `it could not be read a second time past line ${count} (${(failure as Error).message ?? String(failure)}), where the first read gave ${file.lines} lines`,
        );
    } else if (count < file.lines) {
      changed(
        `the second read ended after ${count} lines, where the first gave ${file.lines}: it changed while it was being verified`,
      );
    } else if (file.digest !== null && (second === null || second.sha256 !== file.digest.sha256)) {
      changed(
        `the second read hashed to ${second?.sha256 ?? 'nothing'} (${count} lines), the first to ${file.digest.sha256} (${file.lines} lines): it changed while it was being verified`,
      );
    }
  }

  private async judgeBatch(ledger: LedgerMerger, lines: readonly LineRead[]): Promise<void> {
    // Judged checkpoints wait for their receipts' hashes: not more than a window ahead of them.
    await this.pacer.wait(
      'judging',
      () =>
        !this.stopped && (this.segmentsLeft.get(ledger) ?? 0) > 0 && ledger.checkpointsAwaitingReceipts > this.window,
    );
    if (this.stopped) return;
    const reads = lines.map((read) => ledger.readCheckpoint(read));
    const answers = await Promise.all(
      reads.map((read) =>
        read.signed
          ? this.bulk.verifyAsync(read.signed.signature, read.signed.message, read.signed.publicKey)
          : undefined,
      ),
    );
    this.signal?.throwIfAborted();
    for (const [i, read] of reads.entries()) ledger.judgeCheckpoint(read, answers[i]);
    this.hooks.onJudged?.(reads.length);
    this.pacer.moved();
    // WebCrypto's answers come as microtasks in Chromium: the thread's other work (the reads
    // that feed the segment checks) gets its turn between batches.
    await nextTask();
  }
}

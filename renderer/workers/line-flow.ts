/**
 * What both verification workers (the archive's, verify.worker.ts, and the ExecLayer log's,
 * execlayer.worker.ts) share on their way to the window: line chunks posted in order, with
 * reading held back while too many are not yet stored, and throttled progress with rate and
 * time left. One definition, so the two imports pace and report alike.
 */
import type { Progress } from '../../shared/engine/types.ts';
import { lineChunkBuffers, type LineChunk } from './receipt-columns.ts';
import type { FromWorker, VerifyProgress } from './verify-protocol.ts';

/**
 * Lines posted but not yet stored that make reading wait: 8,000 (eight chunks of 1,000 when
 * chunks held 1,000; 32 of 250 now), counted in lines so the pace does not depend on the
 * chunk size.
 */
export const MAX_LINES_IN_FLIGHT = 8000;
/**
 * Progress is posted at most this often (and on every change of phase): four times a second
 * moves the screen as often as anyone reads it, where ten a second drew a frame of the window
 * each time (docs/PERFORMANCE.md, fortieth session).
 */
export const PROGRESS_INTERVAL_MS = 250;

/** Posts line chunks in order and waits while the window has too many of them unstored. */
export class ChunkFlow {
  private posted = 0;
  /** Lines posted, and lines in the chunks the window said it stored. */
  private postedLines = 0;
  private storedLines = 0;
  /** Of each chunk posted and not yet stored, in order: its number and the lines posted up to it. */
  private readonly unstored: { seq: number; lines: number }[] = [];
  private wake: (() => void) | null = null;
  /** Milliseconds reading was held back waiting for the window to store. */
  waitedMs = 0;

  constructor(
    private readonly post: (message: FromWorker, transfer: Transferable[]) => void,
    private readonly signal: AbortSignal,
  ) {}

  /** Posts a chunk without waiting (the last ones, at the end). Its buffers are moved: the chunk is not to be used after. */
  send(chunk: LineChunk): void {
    this.posted++;
    this.postedLines += chunk.lines.ends.length;
    this.unstored.push({ seq: this.posted, lines: this.postedLines });
    this.post({ type: 'lines', seq: this.posted, chunk }, lineChunkBuffers(chunk));
  }

  /** Whether reading may go on: fewer than {@link MAX_LINES_IN_FLIGHT} lines posted and not stored. */
  private roomLeft(): boolean {
    return this.postedLines - this.storedLines < MAX_LINES_IN_FLIGHT;
  }

  /** Posts a chunk, then waits until the window has stored enough of those before it. */
  async sendAndWait(chunk: LineChunk): Promise<void> {
    this.send(chunk);
    if (this.roomLeft() || this.signal.aborted) return;
    const from = performance.now();
    await new Promise<void>((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
    });
    this.waitedMs += performance.now() - from;
  }

  /** The window's word that it stored the first `chunks` chunks. */
  storedUpTo(chunks: number): void {
    // A word older than the last one (a smaller number) leaves nothing to take off.
    while (this.unstored.length > 0 && (this.unstored[0] as { seq: number }).seq <= chunks)
      this.storedLines = (this.unstored.shift() as { lines: number }).lines;
    if (this.roomLeft()) this.wake?.();
  }

  /** Cancelled: a reader waiting on storage goes on (and sees the abort). */
  cancel(): void {
    this.wake?.();
  }
}

/** Rate and time left come from the last this many milliseconds of progress. */
const RATE_WINDOW_MS = 5000;
/** Ledger bytes must have moved this long before a time left is given. */
const ESTIMATE_AFTER_MS = 3000;
/** Progress is remembered for the window at most this often. */
const SAMPLE_EVERY_MS = 200;

interface RateSample {
  readonly at: number;
  readonly bytes: number;
  readonly receipts: number;
  readonly checkpoints: number;
}

/**
 * Posts progress at most every 100 ms (or when forced), with rate and time left, both from
 * the last 5 s of progress. Not from the start: listing the archive, reading its keys and
 * bundles and starting the workers come first, and the first pieces are small while the
 * workers warm up; counting those made the first estimates two to three times too long (a 45 s
 * import first said "about 2 min 8 s"). Time left is null (shown as "estimating") until ledger
 * bytes have moved for 3 s while receipts are checked (the checkpoints files read before them
 * go far faster). Where checkpoints are judged beside the receipts, time left counts both.
 */
export function progressReporter(
  post: (message: FromWorker) => void,
  now: () => number = () => performance.now(),
): (progress: Progress & Pick<VerifyProgress, 'step' | 'indexed'>, force?: boolean) => void {
  const started = now();
  let lastPost = -Infinity;
  /** When ledger bytes were first seen done. */
  let movingSince: number | null = null;
  /** Progress over the last RATE_WINDOW_MS, oldest first (the first one may be older: the window's start). */
  const window: RateSample[] = [];
  return (progress, force = false) => {
    const at = now();
    // From the receipts on: the checkpoints files before them read far faster than receipts are checked.
    if (movingSince === null && progress.bytesDone > 0 && progress.phase === 'ledgers') movingSince = at;
    const last = window.at(-1);
    if (movingSince !== null && (!last || at - last.at >= SAMPLE_EVERY_MS)) {
      window.push({
        at,
        bytes: progress.bytesDone,
        receipts: progress.receiptsDone,
        checkpoints: progress.checkpointsDone,
      });
      // Keep one sample at or before the window's start, so the window spans all of it.
      while (window.length > 1 && (window[1] as RateSample).at <= at - RATE_WINDOW_MS) window.shift();
    }
    if (!force && at - lastPost < PROGRESS_INTERVAL_MS) return;
    lastPost = at;
    const elapsedMs = at - started;
    const from = window[0];
    const spanMs = from ? at - from.at : 0;
    const rate = from && spanMs > 0 ? ((progress.receiptsDone - from.receipts) * 1000) / spanMs : 0;
    const byteRate = from && spanMs > 0 ? (progress.bytesDone - from.bytes) / spanMs : 0;
    const checkpointRate = from && spanMs > 0 ? (progress.checkpointsDone - from.checkpoints) / spanMs : 0;
    const measured = movingSince !== null && at - movingSince >= ESTIMATE_AFTER_MS;
    const bytesLeftMs =
      progress.bytesTotal > 0 && progress.bytesDone >= progress.bytesTotal
        ? 0
        : measured && byteRate > 0 && progress.bytesTotal >= progress.bytesDone
          ? (progress.bytesTotal - progress.bytesDone) / byteRate
          : null;
    // Checkpoints judged beside the receipts share the machine with them and may end after
    // them: time left is both kinds of work left at both rates together (receipts left from the
    // bytes left, at the receipts per byte of the window). Without checkpoints it is the bytes'.
    const checkpointsLeft = Math.max(0, progress.checkpointsTotal - progress.checkpointsDone);
    const receiptsLeft = bytesLeftMs !== null ? (bytesLeftMs * rate) / 1000 : 0;
    let etaMs = bytesLeftMs;
    if (bytesLeftMs !== null && checkpointsLeft > 0 && checkpointRate > 0)
      etaMs =
        rate > 0
          ? (receiptsLeft + checkpointsLeft) / (rate / 1000 + checkpointRate)
          : Math.max(bytesLeftMs, checkpointsLeft / checkpointRate);
    // Every receipt checked, checkpoints left and none judged in the window: not "0 s", unknown.
    else if (bytesLeftMs === 0 && checkpointsLeft > 0) etaMs = null;
    const full: VerifyProgress = { ...progress, elapsedMs, rate, etaMs };
    post({ type: 'progress', progress: full });
  };
}

/**
 * What both verification workers (the archive's, verify.worker.ts, and the ExecLayer log's,
 * execlayer.worker.ts) share on their way to the window: line chunks posted in order, with
 * reading held back while too many are not yet stored, and throttled progress with rate and
 * time left. One definition, so the two imports pace and report alike.
 */
import type { Progress } from '../../shared/engine/types.ts';
import type { LineChunk } from './receipt-columns.ts';
import type { FromWorker, VerifyProgress } from './verify-protocol.ts';

/** Line chunks posted but not yet stored that make reading wait. */
const MAX_CHUNKS_IN_FLIGHT = 8;
const PROGRESS_INTERVAL_MS = 100;

/** Posts line chunks in order and waits while the window has too many of them unstored. */
export class ChunkFlow {
  private posted = 0;
  private stored = 0;
  private wake: (() => void) | null = null;
  /** Milliseconds reading was held back waiting for the window to store. */
  waitedMs = 0;

  constructor(
    private readonly post: (message: FromWorker) => void,
    private readonly signal: AbortSignal,
  ) {}

  /** Posts a chunk without waiting (the last ones, at the end). */
  send(chunk: LineChunk): void {
    this.posted++;
    this.post({ type: 'lines', seq: this.posted, chunk });
  }

  /** Posts a chunk, then waits until the window has stored enough of those before it. */
  async sendAndWait(chunk: LineChunk): Promise<void> {
    this.send(chunk);
    if (this.posted - this.stored < MAX_CHUNKS_IN_FLIGHT || this.signal.aborted) return;
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
    this.stored = Math.max(this.stored, chunks);
    if (this.posted - this.stored < MAX_CHUNKS_IN_FLIGHT) this.wake?.();
  }

  /** Cancelled: a reader waiting on storage goes on (and sees the abort). */
  cancel(): void {
    this.wake?.();
  }
}

/** Ledger bytes must have moved this long before a time left is given. */
const ESTIMATE_AFTER_MS = 2000;

/**
 * Posts progress at most every 100 ms (or when forced), with rate and time left. Both are
 * measured from the moment ledger bytes began to move, not from the start: listing the
 * archive, reading its keys and bundles and starting the workers come first and do not
 * recur, and counting them made the first estimates two to three times too long (a 45 s
 * import first said "about 2 min 8 s"). Time left is null (shown as "estimating") until the
 * bytes have moved for 2 s.
 */
export function progressReporter(
  post: (message: FromWorker) => void,
  now: () => number = () => performance.now(),
): (progress: Progress, force?: boolean) => void {
  const started = now();
  let lastPost = -Infinity;
  /** When ledger bytes were first seen done, and how many there were then. */
  let moving: { at: number; bytes: number; receipts: number } | null = null;
  return (progress, force = false) => {
    const at = now();
    if (!moving && progress.bytesDone > 0) moving = { at, bytes: progress.bytesDone, receipts: progress.receiptsDone };
    if (!force && at - lastPost < PROGRESS_INTERVAL_MS) return;
    lastPost = at;
    const elapsedMs = at - started;
    const movingMs = moving ? at - moving.at : 0;
    const rate = moving && movingMs > 0 ? ((progress.receiptsDone - moving.receipts) * 1000) / movingMs : 0;
    const byteRate = moving && movingMs > 0 ? (progress.bytesDone - moving.bytes) / movingMs : 0;
    const etaMs =
      progress.bytesTotal > 0 && progress.bytesDone >= progress.bytesTotal
        ? 0
        : movingMs >= ESTIMATE_AFTER_MS && byteRate > 0 && progress.bytesTotal >= progress.bytesDone
          ? (progress.bytesTotal - progress.bytesDone) / byteRate
          : null;
    const full: VerifyProgress = { ...progress, elapsedMs, rate, etaMs };
    post({ type: 'progress', progress: full });
  };
}

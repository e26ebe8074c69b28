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

/** Posts progress at most every 100 ms (or when forced), with rate and time left from the bytes done. */
export function progressReporter(post: (message: FromWorker) => void): (progress: Progress, force?: boolean) => void {
  const started = performance.now();
  let lastPost = 0;
  return (progress, force = false) => {
    const now = performance.now();
    if (!force && now - lastPost < PROGRESS_INTERVAL_MS) return;
    lastPost = now;
    const elapsedMs = now - started;
    const rate = elapsedMs > 0 ? (progress.receiptsDone * 1000) / elapsedMs : 0;
    const byteRate = elapsedMs > 0 ? progress.bytesDone / elapsedMs : 0;
    const etaMs =
      progress.bytesDone > 0 && byteRate > 0 && progress.bytesTotal >= progress.bytesDone
        ? (progress.bytesTotal - progress.bytesDone) / byteRate
        : null;
    const full: VerifyProgress = { ...progress, elapsedMs, rate, etaMs };
    post({ type: 'progress', progress: full });
  };
}

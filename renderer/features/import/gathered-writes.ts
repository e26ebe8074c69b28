/**
 * When the window stores the line chunks a verification sends: in as few IndexedDB
 * transactions as the pace allows. Each transaction costs the browser about a millisecond and a
 * half of CPU whatever it holds (docs/PERFORMANCE.md, fortieth session), and chunks that
 * arrived while none was being stored were stored one a transaction (182 transactions for the
 * 400 chunks of 100,000 receipts).
 */

/**
 * Chunks a write waits for: 2,000 lines. The verify worker may have 32 chunks of 250 lines
 * unstored before it waits (line-flow.ts), so this many always come unless the worker is
 * between two files or at its end.
 */
export const CHUNKS_PER_WRITE = 8;
/** How long a write that could start waits for {@link CHUNKS_PER_WRITE} chunks before it stores what it has. */
export const GATHER_MS = 100;

/**
 * Items written in batches, in order, one write at a time. A write starts once the one before it
 * has ended and `perWrite` items are pending, `gatherMs` have passed since it could start, or
 * {@link end} was called; it takes every item pending by then.
 */
export class GatheredWrites<T> {
  private readonly pending: T[] = [];
  private chain: Promise<void> = Promise.resolve();
  private ended = false;
  /** Ends the wait of the write about to start, if one waits. */
  private wake: (() => void) | null = null;
  /** Writes made so far. */
  writes = 0;

  /**
   * @param write stores a batch; it must not reject (a failure is the caller's to record), or the
   *   writes after it are not made.
   */
  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly perWrite = CHUNKS_PER_WRITE,
    private readonly gatherMs = GATHER_MS,
  ) {
    if (!Number.isInteger(perWrite) || perWrite < 1)
      throw new RangeError('GatheredWrites: "perWrite" must be a positive integer');
  }

  push(item: T): void {
    this.pending.push(item);
    // The first item since the last write began: one more write, after that one.
    if (this.pending.length === 1) this.chain = this.chain.then(() => this.gather()).then(() => this.flush());
    else if (this.pending.length >= this.perWrite) this.wake?.();
  }

  /** Nothing more will come: what is pending is written without waiting for more. */
  end(): void {
    this.ended = true;
    this.wake?.();
  }

  /** Settles once every write for the items pushed so far has ended. */
  get settled(): Promise<void> {
    return this.chain;
  }

  private gather(): Promise<void> {
    if (this.ended || this.pending.length >= this.perWrite) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const stop = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(stop, this.gatherMs);
      this.wake = stop;
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    this.writes++;
    await this.write(batch);
  }
}

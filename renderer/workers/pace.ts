/**
 * Keeps a background task (the archive file's SHA-256, in an import) from running ahead of
 * the work it accompanies (the verification): the task asks before each step whether it may
 * go that far, and waits while it would be more than `lead` ahead.
 *
 * Why: an import hashes the whole archive file beside the verification. When that was the
 * JavaScript SHA-256 (about 2.5 s of CPU at 200,000 receipts), the unpaced loop read and hashed
 * as fast as it could, most of it in the first seconds, while the workers were starting: the
 * verify worker spent 37% of its first 7 s in SHA-256, and the import ran at half its later
 * rate. Paced, that CPU is spread over the whole verification. The WebAssembly SHA-256 takes a
 * fifth of it now, but reading the file still takes the verify worker's time.
 */
export class Pace {
  #done = 0;
  #released = false;
  readonly #waiting: { readonly at: number; readonly go: () => void }[] = [];

  /** @param lead How far (a fraction of the whole) the task may run ahead of the work. */
  constructor(private readonly lead: number) {}

  /** The work has done this fraction of itself (0 to 1). */
  advance(done: number): void {
    if (!(done > this.#done)) return;
    this.#done = done;
    this.#wake();
  }

  /** The work is over (done, failed or cancelled): the task may run to its end. */
  release(): void {
    this.#released = true;
    this.#wake();
  }

  /** Resolves when the task may go to `at` (a fraction of the task's whole). */
  ready(at: number): Promise<void> | undefined {
    if (this.#allowed(at)) return undefined;
    return new Promise((go) => this.#waiting.push({ at, go }));
  }

  #allowed(at: number): boolean {
    return this.#released || at <= this.#done + this.lead;
  }

  #wake(): void {
    for (let i = 0; i < this.#waiting.length;) {
      const waiter = this.#waiting[i] as { at: number; go: () => void };
      if (this.#allowed(waiter.at)) {
        this.#waiting.splice(i, 1);
        waiter.go();
      } else {
        i++;
      }
    }
  }
}

/**
 * Several sources read at once, their items handed over strictly in source order: while
 * the consumer takes the first source's items, up to `ahead - 1` later sources are already
 * being read, each holding at most `limit` items unconsumed (then its reading waits). So
 * decompressing the next segment file overlaps with the work on this one, with memory
 * bounded by `ahead * limit` items whatever the files' sizes.
 */

/** One source read in the background into a bounded queue. */
class Feed<T> {
  readonly #queue: T[] = [];
  readonly #limit: number;
  #ended = false;
  #failure: { readonly error: unknown } | null = null;
  #stopped = false;
  /** Wakes the consumer waiting for an item or the end. */
  #wakeConsumer: (() => void) | null = null;
  /** Wakes the reader waiting for room in the queue (or to stop). */
  #wakeReader: (() => void) | null = null;

  constructor(items: AsyncIterable<T>, limit: number) {
    this.#limit = Math.max(1, limit);
    void this.#pump(items);
  }

  async #pump(items: AsyncIterable<T>): Promise<void> {
    try {
      for await (const item of items) {
        this.#queue.push(item);
        this.#wake('consumer');
        while (this.#queue.length >= this.#limit && !this.#stopped)
          await new Promise<void>((resolve) => (this.#wakeReader = resolve));
        if (this.#stopped) return; // leaving the loop closes the source
      }
    } catch (error) {
      this.#failure = { error };
    } finally {
      this.#ended = true;
      this.#wake('consumer');
    }
  }

  #wake(who: 'consumer' | 'reader'): void {
    const wake = who === 'consumer' ? this.#wakeConsumer : this.#wakeReader;
    if (who === 'consumer') this.#wakeConsumer = null;
    else this.#wakeReader = null;
    wake?.();
  }

  /** The next item, or null at the source's end; rethrows what the source threw. */
  async take(): Promise<{ readonly item: T } | null> {
    for (;;) {
      if (this.#queue.length > 0) {
        const item = this.#queue.shift() as T;
        this.#wake('reader');
        return { item };
      }
      if (this.#failure) throw this.#failure.error;
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
    }
  }

  /** Stops reading (the consumer stopped early); the source is closed at its next item. */
  stop(): void {
    this.#stopped = true;
    this.#wake('reader');
  }
}

/**
 * The items of `sources[0]()`, then of `sources[1]()`, and so on, with up to `ahead`
 * sources being read at once and at most `limit` unconsumed items held per source.
 * A source's error is thrown where its items would have been; stopping early stops every
 * source being read.
 */
export async function* readAhead<T>(
  sources: readonly (() => AsyncIterable<T>)[],
  ahead: number,
  limit: number,
): AsyncGenerator<T> {
  const feeds: Feed<T>[] = [];
  let started = 0;
  const startMore = () => {
    while (started < sources.length && feeds.length < Math.max(1, ahead))
      feeds.push(new Feed((sources[started++] as () => AsyncIterable<T>)(), limit));
  };
  try {
    startMore();
    while (feeds.length > 0) {
      const next = await (feeds[0] as Feed<T>).take();
      if (next === null) {
        feeds.shift();
        startMore();
        continue;
      }
      yield next.item;
    }
  } finally {
    for (const feed of feeds) feed.stop();
  }
}

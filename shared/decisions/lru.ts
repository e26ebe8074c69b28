/**
 * A size-bounded map that keeps what was used recently: an approximation of least recently
 * used, by generations.
 *
 * Why: the decision memo must not grow with the archive (a million receipts), yet gate
 * traffic repeats, so the requests seen recently are the ones worth keeping. Entries live in
 * two generations of at most half the capacity each. New entries and entries found in the
 * older generation go into the current one; when the current one is full, it becomes the
 * older one and the older one is dropped. An entry used since the last turnover therefore
 * survives the next one, and a hit in the current generation is one `Map` lookup. (An exact
 * LRU, which re-inserts the key on every hit, cost a delete and an insert per lookup: 30% of
 * a memo hit's time in a profile once keys were short, and most receipts are hits.)
 */
export class BoundedLru<K, V> {
  #current = new Map<K, V>();
  #older = new Map<K, V>();
  readonly #capacity: number;
  /** Most entries in one generation. */
  readonly #generation: number;

  /**
   * @param capacity most entries kept; 0 keeps nothing (every lookup misses).
   * @throws RangeError when `capacity` is not a non-negative integer.
   */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`BoundedLru: "capacity" must be a non-negative integer, got ${capacity}`);
    }
    this.#capacity = capacity;
    this.#generation = Math.ceil(capacity / 2);
  }

  get size(): number {
    return this.#current.size + this.#older.size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The value for `key`, kept through the next turnover; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#current.get(key);
    if (value !== undefined) return value;
    const old = this.#older.get(key);
    if (old === undefined) return undefined;
    this.#older.delete(key);
    this.#add(key, old);
    return old;
  }

  /** Stores `value` in the current generation (replacing any value for `key`). */
  set(key: K, value: V): void {
    if (this.#capacity === 0) return;
    this.#older.delete(key);
    if (this.#current.has(key)) this.#current.set(key, value);
    else this.#add(key, value);
  }

  #add(key: K, value: V): void {
    if (this.#current.size >= this.#generation) {
      this.#older = this.#current;
      this.#current = new Map();
    }
    this.#current.set(key, value);
    // An odd capacity: the two generations may hold one more than it between turnovers.
    if (this.size > this.#capacity) {
      const oldest = this.#older.keys().next();
      if (!oldest.done) this.#older.delete(oldest.value);
    }
  }
}

/**
 * A size-bounded least-recently-used map.
 *
 * Why: the decision memo must not grow with the archive (a million receipts), yet gate
 * traffic repeats, so the requests seen recently are the ones worth keeping. A `Map`
 * keeps insertion order, so "recently used" is "re-inserted on every hit" and the
 * eviction victim is simply the first key.
 */
export class BoundedLru<K, V> {
  readonly #entries = new Map<K, V>();
  readonly #capacity: number;

  /**
   * @param capacity most entries kept; 0 keeps nothing (every lookup misses).
   * @throws RangeError when `capacity` is not a non-negative integer.
   */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw new RangeError(`BoundedLru: "capacity" must be a non-negative integer, got ${capacity}`);
    }
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  /** The value for `key`, marking it most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Stores `value` as most recently used, evicting the least recently used past capacity. */
  set(key: K, value: V): void {
    if (this.#capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}

/**
 * A growable column of numbers in a typed array.
 *
 * Why: per-receipt numbers (latencies, sequence numbers) for a million receipts cost
 * 8 MB here and tens of megabytes as a JavaScript array of boxed numbers; a typed array
 * also sorts numerically and transfers between workers without copying.
 */
export class GrowableFloat64 {
  #data: Float64Array;
  #length = 0;

  constructor(initialCapacity = 64) {
    this.#data = new Float64Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.#length;
  }

  push(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = new Float64Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }

  /** The value at `index`; undefined past the end. */
  at(index: number): number | undefined {
    return index >= 0 && index < this.#length ? this.#data[index] : undefined;
  }

  /** The filled part, as a view (no copy): valid until the next `push`. */
  view(): Float64Array {
    return this.#data.subarray(0, this.#length);
  }
}

/** A growable column of unsigned 32-bit integers (small numbers: indexes, ledger numbers). */
export class GrowableUint32 {
  #data: Uint32Array;
  #length = 0;

  constructor(initialCapacity = 64) {
    this.#data = new Uint32Array(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.#length;
  }

  /** @throws RangeError when `value` is not an integer from 0 to 2^32 - 1 (it would be stored wrapped). */
  push(value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff)) throw new RangeError(`GrowableUint32: ${value} is not an unsigned 32-bit integer`);
    if (this.#length === this.#data.length) {
      const bigger = new Uint32Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.#length++] = value;
  }

  /** The value at `index`; undefined past the end. */
  at(index: number): number | undefined {
    return index >= 0 && index < this.#length ? this.#data[index] : undefined;
  }
}

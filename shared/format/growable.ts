/**
 * A growable column of numbers in a typed array.
 *
 * Why: per-receipt numbers (latencies, sequence numbers) for a million receipts cost
 * 8 MB here and tens of megabytes as a JavaScript array of boxed numbers; a typed array
 * also sorts numerically and transfers between workers without copying.
 */
type Column = Float64Array<ArrayBuffer> | Uint32Array<ArrayBuffer>;

/** The storage both columns share: doubling on overflow, reads bounded by the length. */
abstract class GrowableColumn<A extends Column> {
  #data: A;
  #length = 0;

  constructor(
    private readonly allocate: (length: number) => A,
    initialCapacity: number,
  ) {
    this.#data = allocate(Math.max(1, initialCapacity));
  }

  get length(): number {
    return this.#length;
  }

  protected append(value: number): void {
    if (this.#length === this.#data.length) {
      const bigger = this.allocate(this.#data.length * 2);
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
  view(): A {
    return this.#data.subarray(0, this.#length) as A;
  }
}

export class GrowableFloat64 extends GrowableColumn<Float64Array<ArrayBuffer>> {
  constructor(initialCapacity = 64) {
    super((length) => new Float64Array(length), initialCapacity);
  }

  push(value: number): void {
    this.append(value);
  }
}

/** A growable column of unsigned 32-bit integers (small numbers: indexes, ledger numbers). */
export class GrowableUint32 extends GrowableColumn<Uint32Array<ArrayBuffer>> {
  constructor(initialCapacity = 64) {
    super((length) => new Uint32Array(length), initialCapacity);
  }

  /** @throws RangeError when `value` is not an integer from 0 to 2^32 - 1 (it would be stored wrapped). */
  push(value: number): void {
    if (!(Number.isInteger(value) && value >= 0 && value <= 0xffffffff))
      throw new RangeError(`GrowableUint32: ${value} is not an unsigned 32-bit integer`);
    this.append(value);
  }
}

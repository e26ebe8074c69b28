/**
 * A set of 128-bit keys numbered in the order they were added: an open-addressing table
 * over typed arrays, 24 bytes a key (16 for the key, two 4-byte slots), where a
 * `Map<string, number>` of 16-character keys spends about 90.
 *
 * Keys are 16-character strings of one-byte characters (code units 0 to 255), as
 * determinism.ts makes them from the first 16 bytes of a SHA-256: already uniform, so the
 * first 32 bits pick the slot, and equality compares all 128.
 */
const MIN_SLOTS = 16;

export class KeyTable128 {
  /** Key number + 1 per slot (0: empty); a power of two, at most half full. */
  #slots = new Int32Array(MIN_SLOTS);
  /** Four 32-bit words per key, by key number. */
  #words = new Uint32Array(4 * MIN_SLOTS);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The number of `key`, or -1 when it was never added. @throws RangeError for a key that is not 16 one-byte characters. */
  indexOf(key: string): number {
    const [w0, w1, w2, w3] = wordsOf(key);
    const mask = this.#slots.length - 1;
    for (let slot = w0 & mask; ; slot = (slot + 1) & mask) {
      const stored = this.#slots[slot] as number;
      if (stored === 0) return -1;
      const at = 4 * (stored - 1);
      const words = this.#words;
      if (words[at] === w0 && words[at + 1] === w1 && words[at + 2] === w2 && words[at + 3] === w3) return stored - 1;
    }
  }

  /** Adds `key` (the caller knows it is new: {@link indexOf} gave -1); returns its number. */
  add(key: string): number {
    const [w0, w1, w2, w3] = wordsOf(key);
    const index = this.#size;
    if (4 * (index + 1) > this.#words.length) {
      const bigger = new Uint32Array(this.#words.length * 2);
      bigger.set(this.#words);
      this.#words = bigger;
    }
    const at = 4 * index;
    this.#words[at] = w0;
    this.#words[at + 1] = w1;
    this.#words[at + 2] = w2;
    this.#words[at + 3] = w3;
    this.#size = index + 1;
    if (2 * this.#size > this.#slots.length) {
      this.#slots = new Int32Array(this.#slots.length * 2);
      for (let i = 0; i < this.#size; i++) this.#place(i);
    } else {
      this.#place(index);
    }
    return index;
  }

  #place(index: number): void {
    const mask = this.#slots.length - 1;
    let slot = (this.#words[4 * index] as number) & mask;
    while (this.#slots[slot] !== 0) slot = (slot + 1) & mask;
    this.#slots[slot] = index + 1;
  }
}

function wordsOf(key: string): [number, number, number, number] {
  if (key.length !== 16) throw new RangeError(`KeyTable128: a key is 16 characters, got ${key.length}`);
  const words: [number, number, number, number] = [0, 0, 0, 0];
  for (let w = 0; w < 4; w++) {
    let word = 0;
    for (let i = 4 * w; i < 4 * w + 4; i++) {
      const code = key.charCodeAt(i);
      if (code > 0xff) throw new RangeError('KeyTable128: a key holds one-byte characters only');
      word = (word << 8) | code;
    }
    words[w] = word >>> 0;
  }
  return words;
}

/**
 * An exact map from strings to numbers that stays compact at millions of entries: an
 * open-addressing table over typed arrays, with each key's text kept in one byte arena.
 *
 * Why: a `Map<string, number>` spends about 100 bytes an entry here (a 19-character id
 * is a 40-byte string, the map's entry and bucket another 30 to 60, a number past 2^31 a
 * 16-byte heap number), and a million receipt ids were a fifth of the verifier's peak
 * memory. This table spends about 40: the key's bytes, a 32-bit hash, its end offset,
 * the value, and two 4-byte slots.
 *
 * Exact by construction: a hash only picks where to look, and a key matches only when
 * its stored bytes equal the ones asked about, so two different keys never meet, however
 * their hashes collide (tests force every hash equal). The encoding is one-to-one: a key
 * of ASCII characters is stored as its bytes; any other key (including lone surrogates,
 * which a JSON string may hold) as a 0xFF byte and then its UTF-16 code units, and 0xFF
 * never starts an ASCII key.
 */

/** A 32-bit hash of a string; any function works, a poor one is only slower. */
export type TextHash = (text: string) => number;

const EMPTY = 0;
const WIDE = 0xff;
const MIN_SLOTS = 16;

export class TextMap {
  /** Entry index + 1 per slot (0: empty); the length is a power of two, at most half full. */
  #slots = new Int32Array(MIN_SLOTS);
  #hashes = new Uint32Array(MIN_SLOTS);
  #values = new Float64Array(MIN_SLOTS);
  /** Where each key's bytes end in `#bytes`; the key starts where the one before ended. */
  #ends = new Uint32Array(MIN_SLOTS);
  #bytes = new Uint8Array(256);
  #size = 0;
  readonly #hash: TextHash;

  /** @param hash The hash to place keys by (tests pass a tiny one to force collisions). */
  constructor(hash: TextHash = textHash32) {
    this.#hash = hash;
  }

  /** Number of keys. */
  get size(): number {
    return this.#size;
  }

  /** The value of `key`, or undefined. */
  get(key: string): number | undefined {
    const entry = this.#find(key, this.#hash(key) >>> 0);
    return entry < 0 ? undefined : this.#values[entry];
  }

  has(key: string): boolean {
    return this.#find(key, this.#hash(key) >>> 0) >= 0;
  }

  /** Sets the value of `key`, adding the key if it is new. */
  set(key: string, value: number): void {
    const hash = this.#hash(key) >>> 0;
    const entry = this.#find(key, hash);
    if (entry >= 0) {
      this.#values[entry] = value;
      return;
    }
    this.#add(key, hash, value);
  }

  /** Index of the entry holding `key`, or -1. */
  #find(key: string, hash: number): number {
    const mask = this.#slots.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = this.#slots[slot] as number;
      if (stored === EMPTY) return -1;
      const entry = stored - 1;
      if (this.#hashes[entry] === hash && this.#keyEquals(entry, key)) return entry;
    }
  }

  #keyEquals(entry: number, key: string): boolean {
    const start = entry === 0 ? 0 : (this.#ends[entry - 1] as number);
    const end = this.#ends[entry] as number;
    const bytes = this.#bytes;
    if (end - start === key.length) {
      // Stored as ASCII bytes (a wide key of this byte length would hold half as many units).
      if (key.length > 0 && bytes[start] === WIDE) return false;
      for (let i = 0; i < key.length; i++) if (bytes[start + i] !== key.charCodeAt(i)) return false;
      return true;
    }
    if (end - start !== 1 + 2 * key.length || bytes[start] !== WIDE) return false;
    for (let i = 0, at = start + 1; i < key.length; i++, at += 2) {
      const unit = key.charCodeAt(i);
      if (bytes[at] !== (unit & 0xff) || bytes[at + 1] !== unit >>> 8) return false;
    }
    return true;
  }

  #add(key: string, hash: number, value: number): void {
    const entry = this.#size;
    if (entry === this.#hashes.length) this.#growEntries();
    if (2 * (entry + 1) > this.#slots.length) this.#growSlots();
    const start = entry === 0 ? 0 : (this.#ends[entry - 1] as number);
    const end = start + encodedLength(key);
    if (end > this.#bytes.length) this.#growBytes(end);
    encode(key, this.#bytes, start);
    this.#hashes[entry] = hash;
    this.#values[entry] = value;
    this.#ends[entry] = end;
    this.#size = entry + 1;
    this.#place(entry);
  }

  #place(entry: number): void {
    const mask = this.#slots.length - 1;
    let slot = (this.#hashes[entry] as number) & mask;
    while (this.#slots[slot] !== EMPTY) slot = (slot + 1) & mask;
    this.#slots[slot] = entry + 1;
  }

  #growEntries(): void {
    const capacity = this.#hashes.length * 2;
    this.#hashes = grown(this.#hashes, new Uint32Array(capacity));
    this.#values = grown(this.#values, new Float64Array(capacity));
    this.#ends = grown(this.#ends, new Uint32Array(capacity));
  }

  #growSlots(): void {
    this.#slots = new Int32Array(this.#slots.length * 2);
    for (let entry = 0; entry < this.#size; entry++) this.#place(entry);
  }

  #growBytes(atLeast: number): void {
    let capacity = this.#bytes.length * 2;
    while (capacity < atLeast) capacity *= 2;
    // Offsets are 32-bit: 4 GiB of key text is far beyond any archive's limits.
    if (capacity > 2 ** 32) {
      if (atLeast > 2 ** 32) throw new RangeError('TextMap: more than 4 GiB of key text');
      capacity = 2 ** 32;
    }
    this.#bytes = grown(this.#bytes, new Uint8Array(capacity));
  }
}

function grown<T extends Uint8Array | Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

function encodedLength(text: string): number {
  return isAscii(text) ? text.length : 1 + 2 * text.length;
}

function encode(text: string, bytes: Uint8Array, start: number): void {
  if (isAscii(text)) {
    for (let i = 0; i < text.length; i++) bytes[start + i] = text.charCodeAt(i);
    return;
  }
  bytes[start] = WIDE;
  for (let i = 0, at = start + 1; i < text.length; i++, at += 2) {
    const unit = text.charCodeAt(i);
    bytes[at] = unit & 0xff;
    bytes[at + 1] = unit >>> 8;
  }
}

/** FNV-1a over the UTF-16 code units, then murmur3's finalizer so the low bits mix well. */
export function textHash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

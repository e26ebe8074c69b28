/**
 * Hashes in the format's spelling (`sha256:` and 64 lowercase hex digits) kept as 32 bytes each
 * in one growing array, for lists as long as an archive's entries (FileDigests, ListedFiles):
 * a string each cost 88 bytes of heap and, for the digests read, an object more.
 */
import { fromHex, toHex } from '../format/bytes.ts';
import { HASH_PREFIX, isHashString } from '../format/hash.ts';

const DIGEST_BYTES = 32;

export class HashColumn {
  #bytes: Uint8Array;

  constructor(capacity = 256) {
    this.#bytes = new Uint8Array(DIGEST_BYTES * Math.max(1, capacity));
  }

  /**
   * Keeps `hash` at `slot` (growing as needed).
   * @throws TypeError when `hash` is not `sha256:` and 64 lowercase hex digits: those are the only
   *   hashes the engine writes and the schemas let through, and another could not be given back as it was.
   */
  set(slot: number, hash: string): void {
    if (!isHashString(hash))
      throw new TypeError(`HashColumn.set: "${hash}" is not "sha256:" and 64 lowercase hex digits`);
    let capacity = this.#bytes.length;
    while ((slot + 1) * DIGEST_BYTES > capacity) capacity *= 2;
    if (capacity !== this.#bytes.length) {
      const grown = new Uint8Array(capacity);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes.set(fromHex(hash.slice(HASH_PREFIX.length)), slot * DIGEST_BYTES);
  }

  /** The hash kept at `slot`, spelled as it was given. */
  get(slot: number): string {
    const at = slot * DIGEST_BYTES;
    return HASH_PREFIX + toHex(this.#bytes.subarray(at, at + DIGEST_BYTES));
  }
}

/**
 * The size and SHA-256 of every entry read in full, by path, for the manifest check; null for
 * an entry that could not be read in full or was refused. Kept as 32 bytes and a number an
 * entry, in columns, and made into a {@link FileDigest} when asked: an archive may hold 100,000
 * files, and an object with its "sha256:…" string cost about 150 bytes each of the engine
 * thread's heap for the whole run (docs/PERFORMANCE.md, fifty-third session).
 */
import type { FileDigest } from '../format/hash.ts';
import { GrowableFloat64 } from '../format/growable.ts';
import { HashColumn } from './hash-column.ts';

/** The slot of an entry that could not be read in full. */
const NOT_READ = -1;

/** What the manifest check asks of the digests (manifest.ts's `compareFiles`); a Map answers it too. */
export interface DigestLookup {
  has(path: string): boolean;
  get(path: string): FileDigest | null | undefined;
  keys(): IterableIterator<string>;
}

export class FileDigests implements DigestLookup {
  /** Each path's slot in the columns, or {@link NOT_READ}; in the order first set (a Map's). */
  readonly #slots = new Map<string, number>();
  readonly #hashes = new HashColumn();
  /** Each slot's size in bytes. A path set again takes a new slot (the engine sets each entry's digest once). */
  readonly #bytes = new GrowableFloat64(256);

  /**
   * Keeps `path`'s digest (or that it could not be read in full), in place of any before.
   * @throws TypeError for a hash not spelled as the engine writes one (HashColumn).
   */
  set(path: string, digest: FileDigest | null): this {
    if (digest === null) {
      this.#slots.set(path, NOT_READ);
      return this;
    }
    const slot = this.#bytes.length;
    this.#hashes.set(slot, digest.sha256);
    this.#bytes.push(digest.bytes);
    this.#slots.set(path, slot);
    return this;
  }

  has(path: string): boolean {
    return this.#slots.has(path);
  }

  /** `path`'s digest, null where it could not be read in full, undefined where nothing was said of it. */
  get(path: string): FileDigest | null | undefined {
    const slot = this.#slots.get(path);
    if (slot === undefined) return undefined;
    if (slot === NOT_READ) return null;
    return { bytes: this.#bytes.at(slot) as number, sha256: this.#hashes.get(slot) };
  }

  delete(path: string): boolean {
    return this.#slots.delete(path);
  }

  keys(): IterableIterator<string> {
    return this.#slots.keys();
  }

  /** How many entries could not be read in full. */
  notRead(): number {
    let count = 0;
    for (const slot of this.#slots.values()) if (slot === NOT_READ) count++;
    return count;
  }
}

/**
 * Files the user opened, held by the main process and named to the page only by an
 * opaque token. The page streams an archive with random-access reads; it never sees or
 * supplies a path for reading, so a compromised page can read only what the user
 * picked in the open dialog or dropped on the window.
 *
 * Tokens belong to the web contents that opened them (`ownerId`): another window, or a
 * reloaded one after `closeAllFor`, cannot use them.
 */
import { randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { MAX_CHUNK_BYTES, type OpenedArchive } from '../ipc-contract.ts';

interface OpenFile {
  readonly ownerId: number;
  readonly path: string;
  readonly name: string;
  readonly size: number;
  readonly handle: FileHandle;
}

/** Thrown for a token that was never issued, was closed, or belongs to another window. */
export class UnknownTokenError extends Error {
  override name = 'UnknownTokenError';
  constructor() {
    super('unknown archive token (closed, evicted, or never opened by this window)');
  }
}

export class OpenedFiles {
  readonly #files = new Map<string, OpenFile>();
  readonly #maxPerOwner: number;

  /**
   * @param maxPerOwner most files one window keeps open; opening one more closes the
   *   least recently used (a page that forgets `closeArchive` must not exhaust handles).
   */
  constructor(maxPerOwner = 16) {
    if (!Number.isInteger(maxPerOwner) || maxPerOwner < 1)
      throw new RangeError('OpenedFiles: "maxPerOwner" must be a positive integer');
    this.#maxPerOwner = maxPerOwner;
  }

  /**
   * Opens `filePath` for reading and issues a token for it. The handle stays open, so
   * reads see the file the user picked even if it is renamed meanwhile.
   *
   * @throws if the path is not absolute, cannot be opened, or is not a regular file.
   */
  async open(ownerId: number, filePath: string): Promise<OpenedArchive> {
    if (!path.isAbsolute(filePath)) throw new TypeError('OpenedFiles.open: "filePath" must be absolute');
    const handle = await open(filePath, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw new Error(`not a regular file: ${path.basename(filePath)}`);
      await this.#evictBeyondLimit(ownerId);
      const token = randomBytes(16).toString('hex');
      const name = path.basename(filePath);
      this.#files.set(token, { ownerId, path: filePath, name, size: info.size, handle });
      return { token, name, size: info.size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /**
   * Reads up to `length` bytes at `offset`. Returns fewer bytes at the end of the file
   * and an empty array at or past it.
   *
   * @throws {UnknownTokenError} for a token this owner does not hold.
   * @throws {RangeError} for a negative or non-integer offset, or a length outside 1..MAX_CHUNK_BYTES.
   */
  async read(ownerId: number, token: string, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0)
      throw new RangeError('read: "offset" must be a non-negative integer');
    if (!Number.isInteger(length) || length < 1 || length > MAX_CHUNK_BYTES)
      throw new RangeError(`read: "length" must be 1..${MAX_CHUNK_BYTES}`);
    const file = this.#get(ownerId, token);
    this.#touch(token, file);
    const wanted = Math.max(0, Math.min(length, file.size - offset));
    if (wanted === 0) return new Uint8Array(0);
    const buffer = new Uint8Array(wanted);
    let filled = 0;
    // A read may return fewer bytes than asked; loop until filled or end of file.
    while (filled < wanted) {
      const { bytesRead } = await file.handle.read(buffer, filled, wanted - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === wanted ? buffer : buffer.subarray(0, filled);
  }

  /** The path behind a token (for the recent list), or throws {@link UnknownTokenError}. */
  describe(ownerId: number, token: string): { readonly path: string; readonly name: string; readonly size: number } {
    const { path: filePath, name, size } = this.#get(ownerId, token);
    return { path: filePath, name, size };
  }

  /** Closes one file. Closing an unknown token is a no-op (the page may close twice). */
  async close(ownerId: number, token: string): Promise<void> {
    const file = this.#files.get(token);
    if (file === undefined || file.ownerId !== ownerId) return;
    this.#files.delete(token);
    await file.handle.close();
  }

  /** Closes every file of one window (when it is destroyed or reloaded). */
  async closeAllFor(ownerId: number): Promise<void> {
    const tokens = [...this.#files].filter(([, f]) => f.ownerId === ownerId).map(([t]) => t);
    await Promise.all(tokens.map((t) => this.close(ownerId, t)));
  }

  /** How many files one window holds open. */
  countFor(ownerId: number): number {
    let n = 0;
    for (const f of this.#files.values()) if (f.ownerId === ownerId) n++;
    return n;
  }

  #get(ownerId: number, token: string): OpenFile {
    const file = this.#files.get(token);
    if (file === undefined || file.ownerId !== ownerId) throw new UnknownTokenError();
    return file;
  }

  /** Map iteration order is insertion order; re-inserting marks the file most recently used. */
  #touch(token: string, file: OpenFile): void {
    this.#files.delete(token);
    this.#files.set(token, file);
  }

  async #evictBeyondLimit(ownerId: number): Promise<void> {
    while (this.countFor(ownerId) >= this.#maxPerOwner) {
      const oldest = [...this.#files].find(([, f]) => f.ownerId === ownerId);
      if (oldest === undefined) return;
      await this.close(ownerId, oldest[0]);
    }
  }
}

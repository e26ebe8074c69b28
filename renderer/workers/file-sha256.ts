/**
 * The SHA-256 of a whole file read through random access, in order, a slice at a time:
 * what a workpaper names the evidence archive by (its subject is the archive file's
 * bytes, not its entries). Used by the verify worker beside the verification (so an
 * import knows its file's hash) and by the window for a file picked to check a workpaper.
 */
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
import { createHasher, HASH_PREFIX } from '../../shared/format/hash.ts';

/** Bytes read per step: small enough that a step never holds a thread for long. */
export const FILE_HASH_SLICE = 1024 * 1024;

export interface FileHashOptions {
  readonly signal?: AbortSignal;
  /** Called after each slice with the bytes hashed so far. */
  readonly onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** Read this many bytes at a time, even from a source that streams (which is otherwise read as one stream). */
  readonly slice?: number;
  /** Asked before each slice is read (at `offset` of `size`); the hash waits while it returns a pending promise. */
  readonly readyFor?: (offset: number, size: number) => Promise<void> | undefined;
}

/**
 * Lowercase hex SHA-256 of every byte of `bytes`, from offset 0 to `size`.
 * @throws the signal's reason when aborted; an Error when the source returns fewer bytes than asked.
 */
export async function fileSha256(bytes: RandomAccessBytes, options: FileHashOptions = {}): Promise<string> {
  const slice = options.slice ?? FILE_HASH_SLICE;
  if (!Number.isSafeInteger(slice) || slice < 1) throw new RangeError('fileSha256: "slice" must be a positive integer');
  const hasher = createHasher();
  if (bytes.stream && !options.slice) {
    // One stream of the file (a browser's File: a slice at a time costs a round trip each).
    let offset = 0;
    const wait = options.readyFor?.(0, bytes.size);
    if (wait) await wait;
    for await (const chunk of bytes.stream(0, bytes.size)) {
      options.signal?.throwIfAborted();
      hasher.update(chunk);
      offset += chunk.length;
      options.onProgress?.(offset, bytes.size);
      const next = offset < bytes.size ? options.readyFor?.(offset, bytes.size) : undefined;
      if (next) await next;
    }
    if (offset !== bytes.size) throw new Error(`the file ended early: ${offset} of ${bytes.size} bytes could be read`);
    options.signal?.throwIfAborted();
    return hasher.digest().slice(HASH_PREFIX.length);
  }
  for (let offset = 0; offset < bytes.size;) {
    const wait = options.readyFor?.(offset, bytes.size);
    if (wait) await wait;
    options.signal?.throwIfAborted();
    const length = Math.min(slice, bytes.size - offset);
    const chunk = await bytes.read(offset, length);
    if (chunk.length !== length)
      throw new Error(`the file ended early: ${offset + chunk.length} of ${bytes.size} bytes could be read`);
    hasher.update(chunk);
    offset += length;
    options.onProgress?.(offset, bytes.size);
  }
  options.signal?.throwIfAborted();
  return hasher.digest().slice(HASH_PREFIX.length);
}

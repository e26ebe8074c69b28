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
  let offset = 0;
  /** Before each read: waits while the pace says so, then stops if aborted. */
  const ready = async () => {
    const wait = options.readyFor?.(offset, bytes.size);
    if (wait) await wait;
    options.signal?.throwIfAborted();
  };
  // A source that streams (a browser's File: a slice at a time costs a round trip each) is read as one stream.
  const chunks =
    bytes.stream && options.slice === undefined
      ? paced(bytes.stream(0, bytes.size, { transient: true }), () => (offset < bytes.size ? ready() : undefined))
      : slices(bytes, slice, ready);
  for await (const chunk of chunks) {
    hasher.update(chunk);
    offset += chunk.length;
    options.onProgress?.(offset, bytes.size);
  }
  if (offset !== bytes.size) throw endedEarly(offset, bytes.size);
  options.signal?.throwIfAborted();
  return hasher.digest().slice(HASH_PREFIX.length);
}

const endedEarly = (read: number, size: number) =>
  new Error(`the file ended early: ${read} of ${size} bytes could be read`);

/** `bytes` a slice at a time, `ready` before each; a short slice is an error. */
async function* slices(bytes: RandomAccessBytes, slice: number, ready: () => Promise<void>): AsyncIterable<Uint8Array> {
  for (let at = 0; at < bytes.size;) {
    await ready();
    const length = Math.min(slice, bytes.size - at);
    const chunk = await bytes.read(at, length);
    if (chunk.length !== length) throw endedEarly(at + chunk.length, bytes.size);
    yield chunk;
    at += length;
  }
}

/** `chunks`, with `ready` awaited before each is read. */
async function* paced(
  chunks: AsyncIterable<Uint8Array>,
  ready: () => Promise<void> | undefined,
): AsyncIterable<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      await ready();
      const next = await iterator.next();
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // Stopped early (aborted, or the hasher's caller left): the source is told, as `for await` would.
    if (!done) await iterator.return?.();
  }
}

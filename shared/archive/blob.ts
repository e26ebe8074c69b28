/**
 * Random access to a `Blob` or `File` (browser, worker, Node 20): slices are read on demand.
 *
 * Reading a file a slice at a time costs a round trip to the browser's process for each slice
 * (Chromium, an 82 MB archive on this project's machine: 500–560 ms in 400 KB slices, 110–120 ms
 * as one stream). So a long read in order ({@link RandomAccessBytes.stream}: an entry's data, a
 * whole file's hash) goes through a stream of the blob from its offset, and the stream is kept
 * for the next read that starts where it stopped (the next entry's local header and data): an
 * archive read in stored order is one stream, not thousands of slices.
 */
import type { RandomAccessBytes } from './source.ts';

/** A stream continues to a `stream()` that starts at most this far past where it stopped. */
const STREAM_GAP_BYTES = 64 * 1024;
/** A `read()` is taken from a kept stream only when it starts at most this far past it (a data descriptor). */
const READ_GAP_BYTES = 64;
/**
 * A small `read()` at most this far past where a kept stream stands is read from that stream, whose
 * bytes up to it are kept for the reads that follow: zip.js reads an entry's data descriptor, just
 * past its data, before the data itself.
 */
const LOOK_AHEAD_BYTES = 4 * 1024 * 1024;
/** The largest `read()` answered by a look ahead (a data descriptor, a local header). */
const LOOK_AHEAD_READ_BYTES = 64 * 1024;
/** Streams kept for a continuation: the entry being read and one more reader in order. */
const MAX_CURSORS = 2;

/** A stream of the blob from `pos` on, handed out to one reader at a time. */
class Cursor {
  /** The offset of the next byte `next` gives. */
  pos: number;
  busy = false;
  /** Chunks read from the stream and not yet given (the rest of one, or those read for a look ahead). */
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
    start: number,
  ) {
    this.pos = start;
  }

  /** The stream's next chunk with bytes in it, kept; false at the blob's end. */
  private async readMore(): Promise<boolean> {
    for (;;) {
      const read = await this.reader.read();
      if (read.done) return false;
      if (read.value.length === 0) continue;
      this.held.push(read.value);
      this.heldBytes += read.value.length;
      return true;
    }
  }

  /** The next bytes, at most `max` (a view of the stream's chunk, no copy); null at the blob's end. */
  async next(max: number): Promise<Uint8Array | null> {
    if (this.held.length === 0 && !(await this.readMore())) return null;
    let chunk = this.held[0] as Uint8Array;
    if (chunk.length > max) {
      this.held[0] = chunk.subarray(max);
      chunk = chunk.subarray(0, max);
    } else this.held.shift();
    this.heldBytes -= chunk.length;
    this.pos += chunk.length;
    return chunk;
  }

  /** Reads past `count` bytes; false if the blob ended first. */
  async skip(count: number): Promise<boolean> {
    while (count > 0) {
      const chunk = await this.next(count);
      if (!chunk) return false;
      count -= chunk.length;
    }
    return true;
  }

  /**
   * A copy of the `length` bytes `ahead` bytes past `pos`, read from the stream and kept for the
   * reads in order that follow (fewer bytes only where the blob ends); `pos` does not move.
   */
  async peek(ahead: number, length: number): Promise<Uint8Array> {
    while (this.heldBytes < ahead + length && (await this.readMore()));
    const out = new Uint8Array(Math.max(0, Math.min(length, this.heldBytes - ahead)));
    let at = 0; // where the chunk below starts, from `pos`
    for (const chunk of this.held) {
      const from = Math.max(ahead, at);
      const to = Math.min(ahead + out.length, at + chunk.length);
      if (from < to) out.set(chunk.subarray(from - at, to - at), from - ahead);
      at += chunk.length;
      if (at >= ahead + out.length) break;
    }
    return out;
  }

  cancel(): void {
    this.held = [];
    this.heldBytes = 0;
    this.reader.cancel().catch(() => undefined);
  }
}

export function blobBytes(blob: Blob): RandomAccessBytes {
  /** Idle or busy streams, the least recently used first. */
  let cursors: Cursor[] = [];
  const drop = (cursor: Cursor) => {
    cursors = cursors.filter((c) => c !== cursor);
    cursor.cancel();
  };
  /** An idle stream that stopped at most `gap` bytes before `offset`, moved to `offset`; null if none. */
  const continuing = async (offset: number, gap: number): Promise<Cursor | null> => {
    const cursor = cursors.find((c) => !c.busy && c.pos <= offset && offset - c.pos <= gap);
    if (!cursor) return null;
    cursor.busy = true;
    cursors = [...cursors.filter((c) => c !== cursor), cursor];
    try {
      if (await cursor.skip(offset - cursor.pos)) return cursor;
      drop(cursor);
      return null;
    } catch {
      // A stream that failed is dropped; the read is made afresh (and fails on its own if it must).
      drop(cursor);
      return null;
    }
  };
  const started = (offset: number): Cursor => {
    const cursor = new Cursor(blob.slice(offset).stream().getReader(), offset);
    cursor.busy = true;
    cursors.push(cursor);
    while (cursors.length > MAX_CURSORS) {
      const idle = cursors.find((c) => !c.busy);
      if (!idle) break;
      drop(idle);
    }
    return cursor;
  };
  /** Exactly `length` bytes from `cursor` (fewer only at the blob's end): one chunk's view, or a copy of several. */
  const take = async (cursor: Cursor, length: number): Promise<Uint8Array> => {
    const first = await cursor.next(length);
    if (!first || first.length === length) return first ?? new Uint8Array(0);
    const out = new Uint8Array(length);
    out.set(first);
    let filled = first.length;
    while (filled < length) {
      const chunk = await cursor.next(length - filled);
      if (!chunk) return out.subarray(0, filled);
      out.set(chunk, filled);
      filled += chunk.length;
    }
    return out;
  };
  return {
    size: blob.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const ahead =
        length > 0 && length <= LOOK_AHEAD_READ_BYTES
          ? cursors.find(
              (c) =>
                !c.busy &&
                c.pos <= offset &&
                offset - c.pos > READ_GAP_BYTES &&
                offset + length - c.pos <= LOOK_AHEAD_BYTES,
            )
          : undefined;
      if (ahead) {
        ahead.busy = true;
        try {
          const bytes = await ahead.peek(offset - ahead.pos, length);
          ahead.busy = false;
          return bytes;
        } catch {
          // A stream that failed is dropped; the read is made afresh (and fails on its own if it must).
          drop(ahead);
        }
      }
      const cursor = length > 0 ? await continuing(offset, READ_GAP_BYTES) : null;
      if (!cursor) return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
      try {
        const bytes = await take(cursor, length);
        cursor.busy = false;
        return bytes;
      } catch (error) {
        drop(cursor);
        throw error;
      }
    },
    async *stream(offset: number, length: number): AsyncIterable<Uint8Array> {
      if (length <= 0) return;
      const cursor = (await continuing(offset, STREAM_GAP_BYTES)) ?? started(offset);
      let left = length;
      let kept = false;
      try {
        while (left > 0) {
          const chunk = await cursor.next(left);
          if (!chunk) break;
          left -= chunk.length;
          yield chunk;
        }
        kept = true;
      } finally {
        // Read to its end (or the blob's): kept for the next read in order; left early or failed: dropped.
        if (kept) cursor.busy = false;
        else drop(cursor);
      }
    },
    async close(): Promise<void> {
      for (const cursor of cursors) cursor.cancel();
      cursors = [];
    },
  };
}

/** Random access to bytes already in memory (tests, small archives). */
export function memoryBytes(bytes: Uint8Array): RandomAccessBytes {
  return {
    size: bytes.length,
    read: async (offset: number, length: number) => bytes.subarray(offset, offset + length),
  };
}

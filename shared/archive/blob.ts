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
import type { RandomAccessBytes, StreamOptions } from './source.ts';

/**
 * A stream continues to a `stream()` that starts at most this far past where it stopped, reading
 * past the bytes between. The engine reads one ledger's segment files after another, where a
 * producer may store the ledgers' files interleaved: each file of a ledger then starts one file of
 * each other ledger past the last. A new stream of Chromium's costs about what reading 2 MiB
 * through a kept one does (docs/PERFORMANCE.md, thirty-ninth session), and starts with memory
 * never touched, in the browser's process and this one.
 */
const STREAM_GAP_BYTES = 2 * 1024 * 1024;
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
/**
 * Idle streams kept for a continuation: the entries' and one more reader's in order. Streams in
 * use are never dropped: an import reads the entries in order while the file's hash and each
 * ledger's checkpoints file are read beside them (four streams at once), and the entries' stream,
 * idle between two entries, must not make way for them.
 */
const MAX_IDLE_CURSORS = 2;

/**
 * Memory a byte stream is read into (a BYOB reader, where the engine's blob streams are byte
 * streams: Chromium, Node 20). In Chromium a stream's chunks are otherwise each a new buffer,
 * and fresh memory costs more there than reading into kept memory (docs/PERFORMANCE.md).
 */
const SLAB_BYTES = 1024 * 1024;
/** A read goes into a slab with at least this much room; else into another slab. */
const MIN_READ_BYTES = 64 * 1024;
/** Empty slabs kept per stream for the next reads (a look ahead holds up to 4 MiB). */
const MAX_FREE_SLABS = 4;
/** Empty slabs of dropped streams kept for the streams that start later. */
const MAX_POOLED_SLABS = 8;

/** Memory a byte stream's reads go into, again once nothing read into it is held. */
interface Slab {
  /** The slab's memory as the last read gave it back (a BYOB read transfers the buffer it reads into). */
  buffer: ArrayBuffer;
  /** Held parts in it, not yet given. */
  held: number;
}

/** Bytes read and not yet given: a part of a slab, or of a chunk the stream made. */
interface Held {
  readonly slab: Slab | null;
  readonly chunk: Uint8Array | null;
  offset: number;
  length: number;
}

const viewOf = (held: Held, length: number): Uint8Array =>
  held.slab
    ? new Uint8Array(held.slab.buffer, held.offset, length)
    : (held.chunk as Uint8Array).subarray(held.offset, held.offset + length);

/** A stream of the blob from `pos` on, handed out to one reader at a time. */
class Cursor {
  /** The offset of the next byte `next` gives. */
  pos: number;
  busy = false;
  /** Bytes read from the stream and not yet given (the rest of one read, or those read for a look ahead). */
  private held: Held[] = [];
  private heldBytes = 0;
  private ended = false;
  /** The slab the next read goes into, and where in it. */
  private fill: Slab | null = null;
  private fillAt = 0;
  private free: Slab[] = [];

  private constructor(
    private readonly reader: ReadableStreamDefaultReader<Uint8Array> | ReadableStreamBYOBReader,
    private readonly byob: boolean,
    start: number,
    private readonly pooled: Slab[],
  ) {
    this.pos = start;
  }

  /**
   * A cursor over `stream`, read into slabs where it is a byte stream. `pooled` holds empty slabs
   * of streams dropped before: a new stream reads into them before it takes fresh memory.
   */
  static over(stream: ReadableStream<Uint8Array>, start: number, pooled: Slab[]): Cursor {
    let byob: ReadableStreamBYOBReader | null = null;
    try {
      byob = stream.getReader({ mode: 'byob' });
    } catch {
      // Not a byte stream: its own chunks are given.
    }
    return byob ? new Cursor(byob, true, start, pooled) : new Cursor(stream.getReader(), false, start, pooled);
  }

  /** The stream's next bytes, held; false at the blob's end. */
  private async readMore(): Promise<boolean> {
    while (!this.ended) {
      if (!this.byob) {
        const read = await (this.reader as ReadableStreamDefaultReader<Uint8Array>).read();
        if (read.done) break;
        if (read.value.length === 0) continue;
        this.hold({ slab: null, chunk: read.value, offset: 0, length: read.value.length });
        return true;
      }
      const slab = this.slabToFill();
      const into = new Uint8Array(slab.buffer, this.fillAt, SLAB_BYTES - this.fillAt);
      const read = await (this.reader as ReadableStreamBYOBReader).read(into);
      if (read.value) slab.buffer = read.value.buffer as ArrayBuffer;
      if (read.done) break;
      if (read.value.length === 0) continue;
      slab.held += 1;
      this.hold({ slab, chunk: null, offset: this.fillAt, length: read.value.length });
      this.fillAt += read.value.length;
      return true;
    }
    this.ended = true;
    return false;
  }

  private hold(held: Held): void {
    this.held.push(held);
    this.heldBytes += held.length;
  }

  /**
   * Where the next read goes: the slab read into last, from its start when nothing held is in
   * it (what was given from it is done with: see `next`), else from where it stopped if there
   * is room; else a kept empty slab, or a new one.
   */
  private slabToFill(): Slab {
    const current = this.fill;
    if (current && current.held === 0) this.fillAt = 0;
    if (current && SLAB_BYTES - this.fillAt >= MIN_READ_BYTES) return current;
    const slab = this.free.pop() ?? this.pooled.pop() ?? { buffer: new ArrayBuffer(SLAB_BYTES), held: 0 };
    this.fill = slab;
    this.fillAt = 0;
    return slab;
  }

  /**
   * The next bytes, at most `max`; null at the blob's end. With `transient` the caller is done
   * with them at its next call (a view of a slab, read into again after that); otherwise they
   * are its own (a copy of a slab's bytes, or a view of a chunk the stream made).
   */
  async next(max: number, transient = false): Promise<Uint8Array | null> {
    if (this.held.length === 0 && !(await this.readMore())) return null;
    const first = this.held[0] as Held;
    const length = Math.min(first.length, max);
    const view = viewOf(first, length);
    if (length === first.length) {
      this.held.shift();
      const slab = first.slab;
      if (slab && --slab.held === 0 && slab !== this.fill && this.free.length < MAX_FREE_SLABS) this.free.push(slab);
    } else {
      first.offset += length;
      first.length -= length;
    }
    this.heldBytes -= length;
    this.pos += length;
    return first.slab && !transient ? view.slice() : view;
  }

  /** Reads past `count` bytes; false if the blob ended first. */
  async skip(count: number): Promise<boolean> {
    while (count > 0) {
      const chunk = await this.next(count, true);
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
    let at = 0; // where the held part below starts, from `pos`
    for (const held of this.held) {
      const from = Math.max(ahead, at);
      const to = Math.min(ahead + out.length, at + held.length);
      if (from < to) out.set(viewOf(held, held.length).subarray(from - at, to - at), from - ahead);
      at += held.length;
      if (at >= ahead + out.length) break;
    }
    return out;
  }

  /**
   * Ends the stream. With `recycle`, its slabs go to the pool for the streams that start later:
   * only for a stream no reader is in (idle, failed, or left by its reader), whose views given
   * to a transient reader are done with. A slab whose buffer a failed read took is not kept.
   */
  cancel(recycle = false): void {
    if (recycle && this.byob) {
      const slabs = new Set<Slab>(this.free);
      if (this.fill) slabs.add(this.fill);
      for (const held of this.held) if (held.slab) slabs.add(held.slab);
      for (const slab of slabs) {
        if (this.pooled.length >= MAX_POOLED_SLABS) break;
        if (slab.buffer.byteLength !== SLAB_BYTES) continue; // detached
        slab.held = 0;
        this.pooled.push(slab);
      }
    }
    this.held = [];
    this.heldBytes = 0;
    this.fill = null;
    this.free = [];
    this.ended = true;
    this.reader.cancel().catch(() => undefined);
  }
}

export function blobBytes(blob: Blob): RandomAccessBytes {
  /** Idle or busy streams, the least recently used first. */
  let cursors: Cursor[] = [];
  /** Empty slabs of the streams dropped, for the next ones. */
  const pooled: Slab[] = [];
  /** Only for a stream no reader is in: its slabs are kept for the next streams. */
  const drop = (cursor: Cursor) => {
    cursors = cursors.filter((c) => c !== cursor);
    cursor.cancel(true);
  };
  /** The idle stream that stopped nearest before `offset`, at most `gap` bytes, moved to `offset`; null if none. */
  const continuing = async (offset: number, gap: number): Promise<Cursor | null> => {
    let cursor: Cursor | undefined;
    for (const c of cursors)
      if (!c.busy && c.pos <= offset && offset - c.pos <= gap && (!cursor || c.pos > cursor.pos)) cursor = c;
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
    const cursor = Cursor.over(blob.slice(offset).stream(), offset, pooled);
    cursor.busy = true;
    cursors.push(cursor);
    let idle = cursors.filter((c) => !c.busy);
    while (idle.length > MAX_IDLE_CURSORS) {
      drop(idle[0] as Cursor);
      idle = idle.slice(1);
    }
    return cursor;
  };
  /** Exactly `length` bytes from `cursor`, the caller's own (fewer only at the blob's end): one part as `next` gives it, or a copy of several. */
  const take = async (cursor: Cursor, length: number): Promise<Uint8Array> => {
    const first = await cursor.next(length);
    if (!first || first.length === length) return first ?? new Uint8Array(0);
    const out = new Uint8Array(length);
    out.set(first);
    let filled = first.length;
    while (filled < length) {
      const chunk = await cursor.next(length - filled, true);
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
    async *stream(offset: number, length: number, options?: StreamOptions): AsyncIterable<Uint8Array> {
      const transient = options?.transient === true;
      if (length <= 0) return;
      const cursor = (await continuing(offset, STREAM_GAP_BYTES)) ?? started(offset);
      let left = length;
      let kept = false;
      try {
        while (left > 0) {
          const chunk = await cursor.next(left, transient);
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
      pooled.length = 0;
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

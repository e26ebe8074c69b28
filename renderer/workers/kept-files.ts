/**
 * Which segment files an import keeps as their stored bytes instead of their lines
 * (renderer/store/line-files.ts reads them back), and which chunk stores each of them.
 *
 * Where the stored bytes come from depends on the host:
 * - the archive is a file (the browser host): a kept file is a `Blob` slice of it, which the
 *   browser copies into IndexedDB without the bytes passing through JavaScript;
 * - the archive's bytes are relayed (the Electron host reads the file in its main process): the
 *   bytes the engine read to inflate the file are recorded as they pass ({@link inflate}) and
 *   become a `Blob` of their own once the engine has read the file whole. Nothing is read twice.
 */
import type { RandomAccessBytes } from '../../shared/archive/source.ts';
import type { NativeInflate, StoredData } from '../../shared/archive/zip.ts';
import { SEGMENT_PATH } from '../../shared/format/layout.ts';
import { KEPT_FILE_MAX_BYTES, type LineChunk, type SegmentFile } from './receipt-columns.ts';

/** The stored data of a file small enough to keep, by a method a reader can inflate. */
function keepable(stored: StoredData): boolean {
  return stored.uncompressedSize <= KEPT_FILE_MAX_BYTES && (stored.method === 0 || stored.method === 8);
}

/** One read the engine made while inflating an entry. */
interface Recorded {
  readonly offset: number;
  readonly bytes: Uint8Array;
}

export class KeptFiles {
  /** Kept files not yet handed to a chunk; dropped once handed (a relayed copy is memory). */
  private readonly waiting = new Map<string, SegmentFile>();
  private readonly kept = new Set<string>();
  /** Reads recorded while an entry inflates, by its data's offset (relayed bytes only). */
  private readonly recording = new Map<number, Recorded[]>();

  /**
   * @param archive the archive file the engine reads (kept bytes are slices of it), or null
   *   when its bytes are relayed (kept bytes are recorded as the engine reads them).
   */
  constructor(private readonly archive: Blob | null) {}

  /**
   * The engine's inflate, recording the stored bytes of each entry small enough to keep when the
   * archive is relayed (a file's slices need no copy: `inflate` itself then).
   */
  inflate(inflate: NativeInflate): NativeInflate {
    if (this.archive) return inflate;
    const recording: NativeInflate = (bytes, stored, signal, options) => {
      if (!keepable(stored)) return inflate(bytes, stored, signal, options);
      const reads: Recorded[] = [];
      this.recording.set(stored.offset, reads);
      const recorded: RandomAccessBytes = {
        size: bytes.size,
        read: async (offset, length) => {
          const read = await bytes.read(offset, length);
          reads.push({ offset, bytes: read });
          return read;
        },
      };
      return this.forgetUnlessWhole(inflate(recorded, stored, signal, options), stored.offset);
    };
    // The recorded reads are the stored bytes, not the inflated parts: views of these stay views.
    return inflate.transientViews ? Object.assign(recording, { transientViews: true as const }) : recording;
  }

  /** The entry's chunks as given; its recorded reads are forgotten if it is not read to its end. */
  private async *forgetUnlessWhole(chunks: AsyncIterable<Uint8Array>, offset: number): AsyncIterable<Uint8Array> {
    let whole = false;
    try {
      yield* chunks;
      whole = true;
    } finally {
      if (!whole) this.recording.delete(offset);
    }
  }

  /**
   * The engine read entry `path` whole (its size and CRC-32 checked) from `stored`: kept when it
   * is a segment file, inflates to at most {@link KEPT_FILE_MAX_BYTES}, is stored or deflated,
   * and (relayed) its stored bytes were all recorded, in order.
   */
  offer(path: string, stored: StoredData): void {
    // Only segment files are read back by line; the engine tells every entry it reads whole.
    if (!keepable(stored) || !SEGMENT_PATH.test(path)) {
      this.recording.delete(stored.offset);
      return;
    }
    const blob = this.archive
      ? this.archive.slice(stored.offset, stored.offset + stored.compressedSize)
      : storedBlob(this.recording.get(stored.offset), stored);
    this.recording.delete(stored.offset);
    if (!blob) return;
    this.kept.add(path);
    this.waiting.set(path, { path, blob, method: stored.method, size: stored.uncompressedSize });
  }

  /** Entries whose reads are being recorded (none between entries: a read not finished is forgotten). */
  get recordingEntries(): number {
    return this.recording.size;
  }

  /** Whether `path`'s lines are left out of the chunks (the ColumnBuilder asks once a path, at its first line). */
  has(path: string): boolean {
    return this.kept.has(path);
  }

  /** The chunk with the kept files it is the first to name, to be stored with it. */
  attach(chunk: LineChunk): LineChunk {
    const paths = (chunk.inFiles?.paths ?? []).filter((path) => this.waiting.has(path) || !this.kept.has(path));
    if (paths.length === 0) return chunk;
    const files = paths.map((path) => {
      const file = this.waiting.get(path);
      if (!file) throw new Error(`${path}: its lines were left out of the chunks, but the file was not kept.`);
      this.waiting.delete(path);
      return file;
    });
    return { ...chunk, files };
  }
}

/**
 * The entry's stored bytes from the reads recorded while it inflated: exactly its data, from its
 * first byte to its last without a gap; null otherwise (its lines are then stored, as before).
 */
export function storedBlob(reads: readonly Recorded[] | undefined, stored: StoredData): Blob | null {
  if (!reads) return null;
  const end = stored.offset + stored.compressedSize;
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let at = stored.offset;
  for (const read of reads) {
    // Reads outside the entry's data (none are made today) are not its bytes.
    if (read.offset + read.bytes.length <= stored.offset || read.offset >= end) continue;
    if (read.offset !== at) return null;
    const take = read.bytes.subarray(0, Math.min(read.bytes.length, end - at));
    parts.push(take as Uint8Array<ArrayBuffer>);
    at += take.length;
  }
  return at === end ? new Blob(parts) : null;
}

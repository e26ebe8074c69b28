/**
 * Which segment files an import keeps as their stored bytes instead of their lines
 * (renderer/store/line-files.ts reads them back), and which chunk stores each of them: a small
 * file once the engine has read it whole ({@link KeptFiles.offer}), a large deflated one as it
 * starts to inflate, with the resume points the inflate notes in it ({@link KeptFiles.resumePointsFor}).
 *
 * Where the stored bytes come from depends on the host:
 * - the archive is a file (the browser host): a kept file is a `Blob` slice of it, which the
 *   browser copies into IndexedDB without the bytes passing through JavaScript. When the files
 *   that can be kept are most of the archive's bytes ({@link keepsWholeArchive}), the archive is
 *   kept whole instead, once (the row {@link WHOLE_ARCHIVE_PATH}), and each kept file is a part
 *   of it: the browser copies one slice in about the time it takes to copy the bytes, where each
 *   slice costs it about 1.3 ms of CPU on its own (2.6 s for the 2,000 files of 1,000,000
 *   receipts; docs/PERFORMANCE.md, forty-first session);
 * - the archive's bytes are relayed (the Electron host reads the file in its main process): the
 *   bytes the engine read to inflate the file are recorded as they pass ({@link inflate}) and
 *   become a `Blob` of their own once the engine has read the file whole (a small file) or once
 *   its read ends, however far it went (a large one: folded into the `Blob` as they come, so
 *   the file is never held whole). Nothing is read twice.
 */
import type { ResumePoint } from '../../shared/archive/resume-points.ts';
import type { RandomAccessBytes, RawEntry } from '../../shared/archive/source.ts';
import type { NativeInflate, StoredData } from '../../shared/archive/zip.ts';
import { SEGMENT_PATH } from '../../shared/format/layout.ts';
import {
  KEPT_FILE_MAX_BYTES,
  WHOLE_ARCHIVE_PATH,
  type FilePart,
  type FilePoint,
  type LineChunk,
  type SegmentFile,
} from './receipt-columns.ts';

/**
 * Kept files up to this many bytes (inflated) that are parts of the archive kept whole get no row
 * of their own: each chunk that names one says where it lies (`ChunkFiles.parts`). A row cost the
 * browser about 0.24 ms of CPU (10,000 files of ten receipts: 2.4 s of an import of 100,000;
 * docs/PERFORMANCE.md, fiftieth session), where checking a file of this size takes ~13 ms. A
 * larger file keeps its row, which a receipt view reads ahead, beside the chunk row
 * (`prefetchFileLines`): a row for each of the few large files costs nothing that shows.
 */
export const PART_IN_CHUNK_MAX_BYTES = 256 * 1024;

/** The stored data of a file small enough to keep, by a method a reader can inflate. */
function keepable(stored: StoredData): boolean {
  return stored.uncompressedSize <= KEPT_FILE_MAX_BYTES && (stored.method === 0 || stored.method === 8);
}

/**
 * The share of the archive's bytes the files that can be kept must make up for the archive to
 * be kept whole: the rest (large segment files, whose lines are stored, and the other entries)
 * is then stored twice, at most a tenth of the archive.
 */
export const WHOLE_ARCHIVE_SHARE = 0.9;

/**
 * Whether the archive is kept whole: the segment files its directory declares small enough to
 * keep (stored sizes) make up at least {@link WHOLE_ARCHIVE_SHARE} of its bytes.
 */
export function keepsWholeArchive(entries: readonly RawEntry[], archiveSize: number): boolean {
  let keepableBytes = 0;
  for (const entry of entries) {
    if (entry.isDirectory || entry.unsupported !== undefined || !SEGMENT_PATH.test(entry.name)) continue;
    if (entry.declaredSize === null || entry.declaredSize > KEPT_FILE_MAX_BYTES) continue;
    keepableBytes += entry.compressedSize ?? 0;
  }
  return archiveSize > 0 && keepableBytes >= WHOLE_ARCHIVE_SHARE * archiveSize;
}

export class KeptFiles {
  /** Kept files not yet handed to a chunk; dropped once handed (a relayed copy is memory). */
  private readonly waiting = new Map<string, SegmentFile>();
  private readonly kept = new Set<string>();
  /** Small entries' stored bytes recorded while they inflate, by their data's offset (relayed bytes only). */
  private readonly recording = new Map<number, RecordedBytes>();
  /** The archive is kept whole ({@link decide}); `holder` is its row until a chunk takes it. */
  private whole = false;
  private holder: SegmentFile | null = null;
  /** Resume points of large kept files not yet handed to a chunk. */
  private points: FilePoint[] = [];
  /** Large files kept from relayed bytes (their row but its bytes), by their data's offset, while they are read. */
  private readonly streaming = new Map<number, { readonly file: SegmentFile; readonly bytes: RecordedBytes }>();
  /** Large files read (relayed bytes), to be stored with the next chunk, whichever it is. */
  private loose: string[] = [];
  /**
   * Small files (up to {@link PART_IN_CHUNK_MAX_BYTES}) that are parts of the archive kept whole,
   * by path: each chunk that names one says where it lies (`ChunkFiles.parts`), and no row of
   * its own is stored. Held until no later chunk can name the file ({@link attach}).
   */
  private readonly parts = new Map<string, FilePart>();
  /** Per ledger, the file its last chunk named last (it may go on in the next chunk). */
  private readonly lastNamed = new Map<string, string>();
  /** Once the archive is kept whole: the files stored with rows of their own since (large ones, few). */
  private readonly ownRows = new Set<string>();

  /**
   * @param archive the archive file the engine reads (kept bytes are slices of it), or null
   *   when its bytes are relayed (kept bytes are recorded as the engine reads them).
   */
  constructor(
    private readonly archive: Blob | null,
    /** Kept files up to this many bytes (inflated) that are parts of the archive kept whole have no row of their own. */
    private readonly partInChunkMaxBytes = PART_IN_CHUNK_MAX_BYTES,
  ) {}

  /**
   * The engine's inflate, recording the stored bytes of each entry small enough to keep when the
   * archive is relayed (a file's slices need no copy: `inflate` itself then).
   */
  inflate(inflate: NativeInflate): NativeInflate {
    if (this.archive) return inflate;
    const recording: NativeInflate = (bytes, stored, signal, options) => {
      const streamed = this.streaming.get(stored.offset);
      if (streamed)
        return this.streamedUntilEnd(inflate(streamed.bytes.recorded(bytes), stored, signal, options), stored);
      if (!keepable(stored)) return inflate(bytes, stored, signal, options);
      const recorded = new RecordedBytes(stored);
      this.recording.set(stored.offset, recorded);
      return this.forgetUnlessWhole(inflate(recorded.recorded(bytes), stored, signal, options), stored.offset);
    };
    // What the wrapped inflate can do, this one does: the recorded reads are the stored bytes,
    // not the inflated parts (views of these stay views), and the options reach it as given (its
    // resume points: without the flag the reader would never ask where they go, and relayed large
    // files would keep their lines in the chunks).
    return Object.assign(recording, {
      ...(inflate.transientViews ? { transientViews: true as const } : {}),
      ...(inflate.resumePoints ? { resumePoints: true as const } : {}),
    });
  }

  /**
   * A large file's chunks as given (relayed bytes); however its read ends, the stored bytes read
   * until then are its kept copy, handed to the next chunk (its lines before the end were left
   * out of the chunks already; those after it were never given).
   */
  private async *streamedUntilEnd(chunks: AsyncIterable<Uint8Array>, stored: StoredData): AsyncIterable<Uint8Array> {
    try {
      yield* chunks;
    } finally {
      const { file, bytes } = this.streaming.get(stored.offset) as { file: SegmentFile; bytes: RecordedBytes };
      this.streaming.delete(stored.offset);
      this.waiting.set(file.path, { ...file, blob: bytes.blob() });
      this.loose.push(file.path);
    }
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
   * The archive's directory (VerifyOptions.onEntries): the archive file is kept whole when the
   * files that can be kept are most of it ({@link keepsWholeArchive}); never relayed bytes.
   * Files offered before this are kept as slices of their own.
   */
  decide(entries: readonly RawEntry[]): void {
    if (!this.archive || this.whole || !keepsWholeArchive(entries, this.archive.size)) return;
    this.whole = true;
    this.holder = {
      path: WHOLE_ARCHIVE_PATH,
      blob: this.archive.slice(0, this.archive.size),
      method: 0,
      size: this.archive.size,
    };
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
    const file = { method: stored.method, size: stored.uncompressedSize };
    if (this.whole) {
      this.kept.add(path);
      if (stored.uncompressedSize <= this.partInChunkMaxBytes)
        this.parts.set(path, { offset: stored.offset, length: stored.compressedSize, ...file });
      else
        this.waiting.set(path, {
          path,
          ...file,
          part: { in: WHOLE_ARCHIVE_PATH, offset: stored.offset, length: stored.compressedSize },
        });
      return;
    }
    const blob = this.archive
      ? this.archive.slice(stored.offset, stored.offset + stored.compressedSize)
      : (this.recording.get(stored.offset)?.whole() ?? null);
    this.recording.delete(stored.offset);
    if (!blob) return;
    this.kept.add(path);
    this.waiting.set(path, { path, ...file, blob });
  }

  /**
   * A large segment file starts to inflate (`EngineOptions.resumePointsFor`, asked only where the
   * inflate notes resume points): it is kept, from now on, as its stored bytes and its resume
   * points, when it is deflated, or as its stored bytes alone when it is stored (method 0: a
   * piece of it is read back as a slice, no point needed; FORMAT.md allows either method): a
   * slice of the archive file, or the relayed bytes the engine reads (stored once the read ends,
   * {@link inflate}). Returns where its points go (a stored file has none).
   */
  resumePointsFor(path: string, stored: StoredData): ((point: ResumePoint) => void) | undefined {
    if (!SEGMENT_PATH.test(path) || (stored.method !== 8 && stored.method !== 0)) return undefined;
    if (keepable(stored) || this.kept.has(path)) return undefined;
    const file = { path, method: stored.method, size: stored.uncompressedSize, resumable: true as const };
    if (!this.archive) {
      // Relayed: the stored bytes are recorded as the engine reads them, a Blob made as they come
      // (never the whole file held), and the file is stored once its read ends.
      this.streaming.set(stored.offset, { file, bytes: new RecordedBytes(stored) });
    } else {
      const where = this.whole
        ? { part: { in: WHOLE_ARCHIVE_PATH, offset: stored.offset, length: stored.compressedSize } }
        : { blob: this.archive.slice(stored.offset, stored.offset + stored.compressedSize) };
      this.waiting.set(path, { ...file, ...where });
    }
    this.kept.add(path);
    return (point) => void this.points.push({ path, ...point });
  }

  /** Entries whose reads are being recorded (none between entries: a read not finished is forgotten, or kept as far as it went). */
  get recordingEntries(): number {
    return this.recording.size + this.streaming.size;
  }

  /** Whether `path`'s lines are left out of the chunks (the ColumnBuilder asks once a path, at its first line). */
  has(path: string): boolean {
    return this.kept.has(path);
  }

  /**
   * The chunk with the kept files it is the first to name, to be stored with it, and where the
   * parts of the archive kept whole that it names lie (and the archive itself, with the first
   * chunk that names a part of it).
   */
  attach(chunk: LineChunk): LineChunk {
    // Every point noted so far: a chunk's lines come from pieces cut after the inflate passed
    // them, so the points a reader needs for them are stored with it or before.
    if (this.points.length > 0) {
      chunk = { ...chunk, points: this.points };
      this.points = [];
    }
    chunk = this.withParts(chunk);
    // A large file kept from relayed bytes is waiting from the end of its read, which comes
    // before its last piece's rows, so before the chunk holding its last line, or with it.
    const paths = [
      ...(chunk.inFiles?.paths ?? []).filter((path) => this.waiting.has(path) || !this.kept.has(path)),
      ...this.loose.filter((path) => this.waiting.has(path) && !chunk.inFiles?.paths.includes(path)),
    ];
    this.loose = [];
    const files = paths.map((path) => {
      const file = this.waiting.get(path);
      if (!file) throw new Error(`${path}: its lines were left out of the chunks, but the file was not kept.`);
      this.waiting.delete(path);
      return file;
    });
    if (this.whole) for (const file of files) this.ownRows.add(file.path);
    if (this.holder && (chunk.inFiles?.parts !== undefined || files.some((f) => f.part?.in === WHOLE_ARCHIVE_PATH))) {
      files.unshift(this.holder);
      this.holder = null;
    }
    return files.length === 0 ? chunk : { ...chunk, files };
  }

  /**
   * The chunk with `inFiles.parts` for the parts of the archive kept whole that it names. A
   * ledger's files come to the chunks in order, each file's lines together: of the files a chunk
   * names, all but the last are done, and so is the last one of the ledger's chunk before, unless
   * this chunk names it first (it went on); the places of those done are let go.
   */
  private withParts(chunk: LineChunk): LineChunk {
    const named = chunk.inFiles;
    if (!this.whole || !named || named.paths.length === 0) return chunk;
    const parts = named.paths.map((path) => {
      const part = this.parts.get(path);
      // Never a chunk that leaves a file's lines out without saying where they are.
      if (!part && this.kept.has(path) && !this.waiting.has(path) && !this.ownRows.has(path))
        throw new Error(`${path}: its lines were left out of the chunks, but where the file lies is no longer known.`);
      return part ?? null;
    });
    const last = named.paths.at(-1) as string;
    const before = this.lastNamed.get(chunk.ledger);
    if (before !== undefined && before !== last) this.parts.delete(before);
    for (const path of named.paths) if (path !== last) this.parts.delete(path);
    this.lastNamed.set(chunk.ledger, last);
    return parts.some((part) => part !== null) ? { ...chunk, inFiles: { ...named, parts } } : chunk;
  }
}

/**
 * An entry's stored bytes as the engine reads them (relayed): the reads within its data, in order
 * and without a gap, folded into a Blob every {@link FOLD_BYTES} (a Blob's bytes leave the
 * worker's memory, so a large file is never held whole); a read out of order or before the data
 * ends the copy there (none is made today), and reads outside the data are not its bytes.
 */
export class RecordedBytes {
  private folded: Blob = new Blob([]);
  private parts: Uint8Array<ArrayBuffer>[] = [];
  private partBytes = 0;
  private at: number;
  private broken = false;

  constructor(private readonly stored: StoredData) {
    this.at = stored.offset;
  }

  /** `bytes` with each read recorded. */
  recorded(bytes: RandomAccessBytes): RandomAccessBytes {
    return {
      size: bytes.size,
      read: async (offset, length) => {
        const read = await bytes.read(offset, length);
        this.add(offset, read);
        return read;
      },
    };
  }

  /** One read the engine made (its bytes are the reader's own, kept as they are). */
  add(offset: number, bytes: Uint8Array): void {
    const end = this.stored.offset + this.stored.compressedSize;
    if (this.broken || offset + bytes.length <= this.stored.offset || offset >= end) return;
    if (offset !== this.at) {
      this.broken = true;
      return;
    }
    const take = bytes.subarray(0, Math.min(bytes.length, end - offset)) as Uint8Array<ArrayBuffer>;
    this.parts.push(take);
    this.partBytes += take.length;
    this.at += take.length;
    if (this.partBytes >= FOLD_BYTES) this.fold();
  }

  private fold(): void {
    this.folded = new Blob([this.folded, ...this.parts]);
    this.parts = [];
    this.partBytes = 0;
  }

  /** The stored bytes recorded: the data's first bytes, up to where the read stopped. */
  blob(): Blob {
    this.fold();
    return this.folded;
  }

  /** The stored bytes when they are exactly the entry's data, its first byte to its last; else null. */
  whole(): Blob | null {
    return !this.broken && this.at === this.stored.offset + this.stored.compressedSize ? this.blob() : null;
  }
}

/** Relayed bytes of an entry held before they are folded into its Blob. */
const FOLD_BYTES = 8 * 1024 * 1024;

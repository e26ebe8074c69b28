/**
 * Cutting a segment file into pieces at line ends, so that a file of any size is many
 * tasks of about the same size (how a producer cuts its files must not decide speed or
 * memory). Any line end will do: the merge (ledger.ts) judges the link where two pieces
 * meet with the same rule as inside a piece or where two files meet (chain.ts), so a
 * split never changes an answer. Checkpoints (FORMAT.md §6) are such points too; a line
 * end is finer and needs no lookup.
 *
 * The engine's thread reads each file once, in order (hashing it for the manifest on the
 * way), and hands each piece's bytes to a worker. A piece holds whole lines only; a line
 * longer than the line limit is never held: it becomes a piece of its own that carries only
 * its length, exactly what `readLines` would report for it.
 */
import { copyOf } from '../format/bytes.ts';

/**
 * Bytes of segment data per task for a runner that takes pieces: about 3,000 receipts,
 * a few hundred milliseconds of a worker's time. Small enough that progress moves often and
 * the pieces and results in flight stay a few MiB; large enough that messages cost nothing.
 */
export const PIECE_BYTES = 4 * 1024 * 1024;
/**
 * The first piece of a run (about 200 receipts), the next twice as long, and so on up to
 * {@link PIECE_BYTES}: a 4 MiB first piece kept the progress at zero for seconds after the
 * workers were ready, with a producer's large files.
 */
export const FIRST_PIECE_BYTES = 256 * 1024;

export interface SegmentPiece {
  /** 0-based position of the piece in its file. */
  readonly index: number;
  /** The file's line number of the piece's first line. */
  readonly firstLine: number;
  /** Bytes of the file before the piece (the spans of the pieces before it). */
  readonly offset: number;
  /**
   * Whole lines of the file, each with its "\n" (the file's last piece may end without
   * one). Empty for a too-long line. Owns its whole buffer, so it can be transferred.
   */
  readonly bytes: Uint8Array;
  /** Set when the piece is one line longer than the line limit: its length in bytes. */
  readonly tooLong?: number;
  /**
   * Bytes of the file the piece stands for ("\n"s included). Kept apart from `bytes`, which
   * are moved to a worker (and read as empty here after that).
   */
  readonly span: number;
  /** No piece of the file follows (it ended, or reading it failed). */
  readonly last: boolean;
}

/** A piece, and on the last piece the reason the file could not be read to its end. */
export interface PieceRead {
  readonly piece: SegmentPiece;
  /** The reader's error, on the last piece when reading failed part-way. */
  readonly failure?: unknown;
}

const NEWLINE = 0x0a;

/**
 * Buffers that a piece's bytes came in and that are free again (a worker sent them back once it
 * had checked the piece): a new buffer is fresh memory, which in a Chromium worker costs more
 * than filling it (docs/PERFORMANCE.md).
 */
export interface PieceBuffers {
  /**
   * A free buffer for about `bytes` (a little smaller will do: the piece grows it if it must; not
   * much larger), or undefined: the splitter then makes one.
   */
  take(bytes: number): Uint8Array | undefined;
}

/**
 * Buffers given back after their pieces were checked, to be filled again: the few a pool has in
 * flight. One is taken only for a piece about its size (a piece is handed on as a view of its
 * buffer, moving the whole buffer, so a much larger one would be copied out of).
 */
export class FreePieceBuffers implements PieceBuffers {
  readonly #free: Uint8Array[] = [];
  /**
   * Buffers of whole small files (at most {@link BATCH_BYTES}): far more of them are in flight
   * at once (groups of up to {@link BATCH_FILES}, two groups a worker), so far more are held.
   * A new one for each file of ten receipts cost the app's verify worker about 15 µs apiece.
   */
  readonly #small: Uint8Array[] = [];
  #smallBytes = 0;
  constructor(
    private readonly max = 4,
    private readonly maxSmall = 256,
    /** Bytes of small files' buffers held at most, however many (about two pieces' worth). */
    private readonly maxSmallBytes = 2 * PIECE_BYTES,
  ) {}
  give(buffer: ArrayBuffer): void {
    if (buffer.byteLength === 0) return;
    if (buffer.byteLength > BATCH_BYTES) {
      this.#free.push(new Uint8Array(buffer));
      if (this.#free.length > this.max) this.#free.shift();
      return;
    }
    this.#small.push(new Uint8Array(buffer));
    this.#smallBytes += buffer.byteLength;
    while (this.#small.length > this.maxSmall || this.#smallBytes > this.maxSmallBytes)
      this.#smallBytes -= (this.#small.shift() as Uint8Array).length;
  }
  /**
   * For a piece: one of at least seven eighths of `bytes` and at most five quarters (a file's
   * pieces differ a little in size). For a small file (its size declared, at most
   * {@link BATCH_BYTES}): one of at least `bytes`, at most five quarters (one a little small
   * would be grown to twice, and copied).
   */
  take(bytes: number): Uint8Array | undefined {
    if (bytes <= BATCH_BYTES) {
      const i = this.#small.findIndex((b) => b.length >= bytes && b.length <= bytes + (bytes >> 2));
      if (i === -1) return undefined;
      const [taken] = this.#small.splice(i, 1) as [Uint8Array];
      this.#smallBytes -= taken.length;
      return taken;
    }
    const i = this.#free.findIndex((b) => b.length >= bytes - (bytes >> 3) && b.length <= bytes + (bytes >> 2));
    return i === -1 ? undefined : this.#free.splice(i, 1)[0];
  }
  /** Buffers held (tests). */
  get size(): number {
    return this.#free.length + this.#small.length;
  }
}

/**
 * A byte buffer that grows by doubling; handed over whole once a piece is done. Its memory is
 * taken at the first append, not before: a file's last piece is followed by no other.
 */
class PieceBuffer {
  bytes: Uint8Array = new Uint8Array(0);
  length = 0;
  constructor(
    private readonly capacity: number,
    private readonly free?: PieceBuffers,
  ) {}
  append(part: Uint8Array): void {
    const need = this.length + part.length;
    if (need > this.bytes.length) {
      const size = Math.max(need, this.bytes.length * 2, this.capacity);
      let grown = this.bytes.length === 0 ? this.free?.take(size) : undefined;
      if (grown === undefined || grown.length < need) grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(part, this.length);
    this.length = need;
  }
  /** The content, in a buffer of its own (a copy only when the buffer is much larger). */
  take(): Uint8Array {
    const out =
      this.length === this.bytes.length
        ? this.bytes
        : this.length * 2 >= this.bytes.length
          ? this.bytes.subarray(0, this.length)
          : copyOf(this.bytes, 0, this.length);
    return out;
  }
}

/**
 * Where a file's buffer starts when its size is declared 0 (and more comes: the declaration is
 * wrong). A right hint is the buffer's size itself: 64 KiB more for each small file was fresh,
 * zeroed memory, and a copy to hand the piece on (a file of ten receipts, 13 KB, in 77 KB).
 */
const UNHINTED_START = 64 << 10;

/**
 * Splits a file's byte stream into pieces of whole lines, each at least `pieceBytes` long
 * (but the last), ending at the first line end past that size. Never throws for what the
 * stream throws: the whole lines read before the failure become the last piece, with the
 * error (the line it stopped inside is no line: whether it ends there is not known).
 * An empty file is one empty piece.
 * @param sizeHint the file's size as its container declares it, when known: a file smaller
 *   than a piece gets a buffer exactly its size, not a whole piece's (~5 MiB, zeroed, for each
 *   file of a few hundred KiB otherwise), and is handed on in it, not copied out. Only a hint:
 *   a wrong one (the declaration is the producer's) changes no piece, the buffer grows as
 *   needed (from {@link UNHINTED_START} for a hint of 0).
 * @param firstPieceBytes when smaller than `pieceBytes`, the first piece is at least this long
 *   and each next one twice the one before, up to `pieceBytes`: for a run's first file, so
 *   that the first answer, and with it progress, comes soon after the workers are ready.
 * @param free buffers to fill before making new ones (whatever they hold is written over).
 */
export async function* splitIntoPieces(
  chunks: AsyncIterable<Uint8Array>,
  pieceBytes: number,
  maxLineBytes: number,
  sizeHint?: number | null,
  firstPieceBytes: number = pieceBytes,
  free?: PieceBuffers,
): AsyncGenerator<PieceRead> {
  const full = pieceBytes + Math.min(maxLineBytes, 1 << 20) + (64 << 10);
  const capacity =
    sizeHint !== undefined && sizeHint !== null && sizeHint >= 0
      ? Math.min(full, sizeHint === 0 ? UNHINTED_START : sizeHint)
      : full;
  let index = 0;
  let line = 1; // the number of the line being read
  let firstLine = 1; // the first line of the piece being built
  let buffer = new PieceBuffer(capacity, free);
  let lineStart = 0; // where the line being read starts in `buffer`
  let lineLength = 0; // bytes of the line being read so far, without its "\n"
  let skipping = false; // the line being read passed maxLineBytes; its bytes are dropped
  let held: SegmentPiece | null = null; // the last finished piece, until we know whether another follows
  let target = Math.max(1, Math.min(pieceBytes, firstPieceBytes)); // the size past which this piece ends
  let offset = 0; // bytes of the file in the pieces finished

  const finish = (tooLong?: number, terminated = true): SegmentPiece => {
    const piece: SegmentPiece =
      tooLong === undefined
        ? { index: index++, firstLine, offset, bytes: buffer.take(), span: buffer.length, last: false }
        : {
            index: index++,
            firstLine,
            offset,
            bytes: new Uint8Array(0),
            tooLong,
            span: tooLong + (terminated ? 1 : 0),
            last: false,
          };
    offset += piece.span;
    if (tooLong === undefined) buffer = new PieceBuffer(capacity, free);
    lineStart = 0;
    return piece;
  };

  let failure: unknown = undefined;
  let failed = false;
  try {
    for await (const chunk of chunks) {
      let start = 0;
      // The chunk's bytes before `pending` are in the buffer (or dropped, in a too-long line);
      // whole lines are appended a run at a time, not line by line.
      let pending = 0;
      for (;;) {
        const nl = chunk.indexOf(NEWLINE, start);
        const end = nl === -1 ? chunk.length : nl;
        lineLength += end - start;
        if (!skipping && lineLength > maxLineBytes) {
          skipping = true;
          if (start > pending) buffer.append(chunk.subarray(pending, start));
          buffer.length = lineStart; // drop what was kept of this line
          if (lineStart > 0) {
            // The whole lines before it are a piece; the long line follows as its own.
            if (held) yield { piece: held };
            held = finish();
            firstLine = line;
          }
        }
        if (nl === -1) {
          if (!skipping && chunk.length > pending) buffer.append(chunk.subarray(pending));
          break;
        }
        start = nl + 1;
        // A line ended.
        if (skipping) {
          pending = start;
          if (held) yield { piece: held };
          held = finish(lineLength);
          firstLine = line + 1;
          skipping = false;
        }
        line++;
        lineLength = 0;
        lineStart = buffer.length + start - pending;
        if (lineStart >= target) {
          buffer.append(chunk.subarray(pending, start));
          pending = start;
          if (held) yield { piece: held };
          held = finish();
          firstLine = line;
          target = Math.min(pieceBytes, target * 2);
        }
      }
    }
  } catch (error) {
    failed = true;
    failure = error;
  }
  // Reading failed inside a line: whether it ends there is not known, so it is not a line
  // (readLines gives none either). Its bytes still count as read.
  const cutBytes = failed ? lineLength : 0;
  if (failed) {
    buffer.length = lineStart;
    skipping = false;
  }
  // The end of the stream (or of what could be read): what is left is the last piece.
  if (skipping) {
    if (held) yield { piece: held };
    held = finish(lineLength, false);
    firstLine = line + 1;
  } else if (buffer.length > 0 || held === null) {
    if (held) yield { piece: held };
    held = finish();
  }
  const last = { ...(held as SegmentPiece), span: (held as SegmentPiece).span + cutBytes, last: true };
  yield failed ? { piece: last, failure } : { piece: last };
}

/**
 * Bytes of whole small files sent to a worker in one task ({@link batchSmallFiles}): with files of
 * ten receipts, one message each way per file was what a worker thread spent most of its extra
 * time on (posting 5,000 results, 0.5 s of 8 s), and the engine's thread one more per file.
 */
export const BATCH_BYTES = 256 * 1024;
/** Files in one task at most, however small. */
export const BATCH_FILES = 64;

/**
 * `items` in order, in groups: consecutive pieces that are each a whole file (a file's first and
 * last piece) go together while their bytes stay within `maxBytes` and their count within
 * `maxFiles`; any other piece (part of a larger file, or a file larger than `maxBytes`) goes
 * alone. Grouping never reorders: the merge takes the results in the order of the items.
 */
export async function* batchSmallFiles<T extends { readonly read: PieceRead }>(
  items: AsyncIterable<T>,
  maxBytes = BATCH_BYTES,
  maxFiles = BATCH_FILES,
): AsyncIterable<T[]> {
  let group: T[] = [];
  let bytes = 0;
  for await (const item of items) {
    const { piece } = item.read;
    const wholeSmallFile = piece.index === 0 && piece.last && piece.span <= maxBytes;
    if (group.length > 0 && (!wholeSmallFile || bytes + piece.span > maxBytes || group.length >= maxFiles)) {
      yield group;
      group = [];
      bytes = 0;
    }
    if (!wholeSmallFile) {
      yield [item];
      continue;
    }
    group.push(item);
    bytes += piece.span;
  }
  if (group.length > 0) yield group;
}

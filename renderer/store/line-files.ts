/**
 * The lines of small segment files, read from the file's stored bytes.
 *
 * Storing every receipt line at import was most of what the app spent beyond the command
 * line's work (docs/PERFORMANCE.md, issue 14): each line chunk is serialized into IndexedDB.
 * A segment file of at most `KEPT_FILE_MAX_BYTES` (4 MiB, receipt-columns.ts) is kept instead as
 * its stored bytes (deflated, under a third of its lines' size: a slice of the archive file, or
 * the relayed bytes the engine read, see workers/kept-files.ts), and its lines are left out of the
 * chunks (`ReceiptLinesRow.inFiles`). Reading a chunk then inflates the files it names, once
 * for the chunks that follow (a few are remembered), cuts them at "\n" exactly as the import's
 * reader did (shared/archive/lines.ts), and gives each line only if its SHA-256 is the one the
 * import verified: a kept copy that differs, or a line cut wrongly, is an error naming the
 * file and line, never another line shown as the receipt.
 *
 * A larger segment file (`resumable`) is kept the same way, with its resume points
 * (`resumePoints`: where inflating can start again, shared/archive/resume-points.ts), and read a
 * piece at a time: the piece of the import (about 4 MiB of lines, `ReceiptLinesRow.pieces`)
 * that holds a line is inflated from the nearest point before it, up to the next point after it
 * (a stored one, method 0, needs no point: its piece is a slice of its bytes).
 *
 * Large files read by an import whose inflate notes no resume points (the `DecompressionStream`
 * fallback) or without the pool (no pieces), ExecLayer logs and archives imported before keep
 * their lines in the chunks, as before.
 */
import { readLines } from '../../shared/archive/lines.ts';
import { inflateFromPoint, type ResumePoint } from '../../shared/archive/resume-points.ts';
import { copyOf, decodeUtf8Strict } from '../../shared/format/bytes.ts';
import { hashOf } from '../../shared/format/hash.ts';
import { PackedLinesBuilder, packedLineBytes, storedLines } from '../workers/packed-lines.ts';
import { WHOLE_ARCHIVE_PATH, type FilePart, type PiecePlace } from '../workers/receipt-columns.ts';
import { db, type ReceiptLinesRow, type SegmentFileRow } from './db.ts';

/**
 * Lines of a kept file, inflated (`size` bytes in all): line n (1-based) is `lines[n - first]`;
 * the whole file (`first` 1), or one piece of a resumable file.
 */
interface FileLines {
  readonly path: string;
  readonly size: number;
  readonly first: number;
  readonly lines: readonly Uint8Array[];
}

const NO_BYTES = new Uint8Array(0);
/** Files and pieces remembered inflated (a 1,000-line file fills four chunks of 250, a piece about twelve). */
const REMEMBERED_FILES = 4;
const remembered = new Map<string, Promise<unknown>>();

/** Reads one stored line chunk of an archive, with the lines of its kept files in place. */
export async function readLineChunk(
  archiveId: string,
  ledger: string,
  chunkNo: number,
): Promise<ReceiptLinesRow | undefined> {
  return withFileLines(await db.receiptLines.get([archiveId, ledger, chunkNo]));
}

/**
 * A stored line chunk with every line in `lines`: as stored when it holds them all, else with
 * the lines of the files it names read from them (and `inFiles` gone).
 * @throws Error naming the file and line when a kept file is missing, unreadable, or does not
 *   give the line the import verified.
 */
export async function withFileLines(row: ReceiptLinesRow | undefined): Promise<ReceiptLinesRow | undefined> {
  if (!row?.inFiles) return row;
  const { inFiles: _, ...rest } = row;
  const lines = await checkedLines(row as FileChunk);
  const out = new PackedLinesBuilder(Math.max(1024, lines.size / 4));
  // As the import stored it: a line that is not UTF-8 is kept as '' (its hash says what it was).
  lines.forEach((bytes, fromFile) => out.push(fromFile && decodeUtf8Strict(bytes) === null ? NO_BYTES : bytes));
  return { ...rest, lines: out.takeLast() };
}

/**
 * Every line of a stored line chunk as text, in order (what `storedLines(await withFileLines(row))`
 * gives), each line decoded once: a line read from a file is checked and decoded in one step,
 * not packed first and decoded again (the impact workers read every line of an archive so).
 * @throws Error as {@link withFileLines}.
 */
export async function chunkTexts(row: ReceiptLinesRow): Promise<string[]> {
  if (!row.inFiles) return storedLines(row);
  const out: string[] = [];
  // Read in order, chunk after chunk: the archive's copy a large window at a time.
  (await checkedLines(row as FileChunk, WINDOW_BYTES)).forEach((bytes) => void out.push(decodeUtf8Strict(bytes) ?? ''));
  return out;
}

type FileChunk = ReceiptLinesRow & { readonly inFiles: NonNullable<ReceiptLinesRow['inFiles']> };

/**
 * Reads the files a chunk names; then `forEach` gives each of its lines in order: the bytes of a
 * line read from a kept file (`fromFile`, its SHA-256 checked against the import's), or else the
 * bytes the chunk holds. `size`: about how many bytes the lines read hold.
 */
async function checkedLines(
  row: FileChunk,
  /** Bytes of the archive's copy read at once for a chunk's small files ({@link smallFileBytes}). */
  windowBytes = 0,
): Promise<{
  readonly size: number;
  forEach(take: (bytes: Uint8Array, fromFile: boolean) => void): void;
}> {
  const { inFiles } = row;
  const where = `Line chunk ${row.chunkNo} of ledger ${row.ledger}`;
  if (!row.places || !row.lines)
    throw new Error(`${where} names segment files but not its lines' places: import the archive again.`);
  const { path: pathIds, line: lineNos } = row.places;
  const files = new Map<number, FileLines[]>();
  // A file the chunk says the place of (a part of the archive kept whole) has no row of its own.
  const parts = inFiles.parts;
  const rows = rowsTogether(row.archiveId, parts ? inFiles.paths.filter((_, k) => !parts[k]) : inFiles.paths);
  const read = await Promise.all(
    inFiles.paths.map(async (path, k) => {
      const id = inFiles.ids[k] as number;
      const part = parts?.[k];
      const fileRow = part ? Promise.resolve(partRow(row.archiveId, path, part)) : rows.get(path);
      const kept = await keptFile(row.archiveId, path, fileRow, windowBytes);
      if (!kept) throw new Error(`${path}: the stored copy of this segment file is missing. Import the archive again.`);
      if (kept.lines) return [kept.lines];
      const file = kept.row;
      // A large file: the pieces this chunk's lines are in.
      const pieces = (row.pieces ?? []).filter((p) => p.path === id);
      if (pieces.length === 0)
        throw new Error(`${where} does not say where its lines of ${path} lie: import the archive again.`);
      return Promise.all(pieces.map((piece) => pieceLines(row.archiveId, file, piece)));
    }),
  );
  inFiles.ids.forEach((id, k) => files.set(id, read[k] as FileLines[]));
  const lines = row.lines;
  const forEach = (take: (bytes: Uint8Array, fromFile: boolean) => void): void => {
    const count = row.hashes.length;
    for (let i = 0; i < count; i++) {
      const n = lineNos[i] as number;
      const file = holding(files.get(pathIds[i] as number), n);
      if (!file) {
        const held = packedLineBytes(lines, i);
        if (held === undefined) throw new Error(`${where} holds no line ${i}: import the archive again.`);
        take(held, false);
        continue;
      }
      const bytes = lineOf(file, n);
      if (!bytes)
        throw new Error(`${file.path}, line ${n}: the stored copy has no such line. Import the archive again.`);
      if (hashOf(bytes) !== row.hashes[i])
        throw new Error(
          `${file.path}, line ${n}: the stored copy of the file does not give the line verified at import ` +
            `(its SHA-256 differs). Import the archive again.`,
        );
      take(bytes, true);
    }
  };
  return { size: read[0]?.[0]?.size ?? 0, forEach };
}

/** Of a file's lines read, those that would hold line `n`: the piece that starts last at or before it. */
function holding(read: readonly FileLines[] | undefined, n: number): FileLines | undefined {
  if (!read) return undefined;
  let best: FileLines | undefined;
  for (const lines of read) if (lines.first <= n && (!best || lines.first > best.first)) best = lines;
  return best ?? read[0];
}

/**
 * The row a part of the archive kept whole would have in `segmentFiles` (`ChunkFiles.parts`: the
 * chunk says where the file lies, for a reader to take it as it takes a row).
 */
function partRow(archiveId: string, path: string, part: FilePart): SegmentFileRow {
  return {
    archiveId,
    path,
    part: { in: WHOLE_ARCHIVE_PATH, offset: part.offset, length: part.length },
    method: part.method,
    size: part.size,
  };
}

/** Line `n` (1-based) of a kept file, or null when what was read of it has no such line. */
function lineOf(file: FileLines, n: number): Uint8Array | null {
  return Number.isInteger(n) && n >= file.first ? (file.lines[n - file.first] ?? null) : null;
}

/**
 * Starts reading a segment file that a chunk about to be read may name, so that it is read
 * beside the chunk row. Nothing is kept when it was not kept at import (its row is missing),
 * and a failure is left for the read that needs the file to report. A small part of the archive
 * kept whole has no row either (the chunk row says where it lies, `ChunkFiles.parts`): it is
 * read with the chunk, and asking ahead costs one read that finds nothing.
 */
export function prefetchFileLines(archiveId: string, path: string): void {
  void keptFile(archiveId, path).catch(() => undefined);
}

/**
 * A kept file's row and, for a small one, its lines (inflated whole and cut), or null when the
 * archive has no kept copy of it (remembered while read and after: the next chunks read the
 * same file). A large (resumable) file is never read whole: its pieces are read by {@link pieceLines}.
 */
function keptFile(
  archiveId: string,
  path: string,
  /** Its row, when read already with others' ({@link rowsTogether}) or given by its chunk ({@link partRow}). */
  rowRead?: Promise<SegmentFileRow | undefined>,
  windowBytes = 0,
): Promise<{ row: SegmentFileRow; lines?: FileLines } | null> {
  const key = `${archiveId}\n${path}`;
  const load = (rowOf: () => Promise<SegmentFileRow | undefined>) => async () => {
    const row = await rowOf();
    if (!row) return null;
    if (row.resumable) return { row };
    // Read with others' (a chunk naming several files): from a window of the archive's copy.
    const stored = await smallFileBytes(archiveId, row, rowRead !== undefined, windowBytes);
    return { row, lines: await cutLines(row, await inflatedBytes(row, stored), 1) };
  };
  const read = remember(
    key,
    load(() => rowRead ?? db.segmentFiles.get([archiveId, path])),
  );
  if (!rowRead) return read;
  // The read remembered may be one asked ahead by the path alone (prefetchFileLines), which finds
  // no row for a file whose place only its chunk gives (`ChunkFiles.parts`): read it from the
  // row given (the one that found nothing is forgotten by then: `remember` forgets it first).
  return read.then(
    (found) =>
      found ??
      remember(
        key,
        load(() => rowRead),
      ),
  );
}

/**
 * The rows of the files of `paths` that are not remembered, read in one request, by path: a chunk
 * of 250 receipts in files of 10 names 25 files, and a request to the store for each (a
 * transaction of its own) cost an impact worker about 0.1 ms apiece.
 */
function rowsTogether(archiveId: string, paths: readonly string[]): Map<string, Promise<SegmentFileRow | undefined>> {
  const wanted = paths.filter((path) => !remembered.has(`${archiveId}\n${path}`));
  const out = new Map<string, Promise<SegmentFileRow | undefined>>();
  if (wanted.length < 2) return out;
  const rows = db.segmentFiles.bulkGet(wanted.map((path) => [archiveId, path] as [string, string]));
  rows.catch(() => undefined); // each file's read awaits its own row
  wanted.forEach((path, k) =>
    out.set(
      path,
      rows.then((found) => found[k]),
    ),
  );
  return out;
}

/**
 * The archive's copy (the row {@link WHOLE_ARCHIVE_PATH} names) read a window at a time for the
 * small files that are parts of it, where a chunk names several: files of a few KiB each read as
 * a slice of that blob cost an impact worker about half a millisecond apiece (the slice and its
 * read), most of its time with files of 10 receipts (docs/PERFORMANCE.md, forty-eighth session).
 * A window from the first file asked for, {@link WINDOW_FILES} times its length (at most
 * {@link WINDOW_BYTES}), serves those after it; a file read alone is read as its own slice.
 */
const WINDOW_BYTES = 4 * 1024 * 1024;
const WINDOW_FILES = 32;
const WINDOWS_KEPT = 2;
const windows: {
  readonly key: string;
  readonly offset: number;
  readonly end: number;
  readonly bytes: Promise<Uint8Array>;
}[] = [];

/**
 * A small kept file's stored bytes (read whole); `windowed`: through a window of the archive's
 * copy, of at least `windowBytes` (a reader of chunk after chunk), or else {@link WINDOW_FILES}
 * times the file's length.
 */
async function smallFileBytes(
  archiveId: string,
  file: SegmentFileRow,
  windowed: boolean,
  windowBytes = 0,
): Promise<Uint8Array> {
  if (!file.part || !windowed) {
    const stored = await storedBytes(archiveId, file);
    try {
      return new Uint8Array(await stored.arrayBuffer());
    } catch (error) {
      throw cannotRead(file, (error as Error).message);
    }
  }
  const part = file.part;
  const { offset, length } = part;
  if (!isByteRange(part)) throw cannotRead(file, `its place in the archive's copy is not a range of bytes`);
  const key = `${archiveId}\n${part.in}`;
  let window = windows.find((w) => w.key === key && w.offset <= offset && offset + length <= w.end);
  if (!window) {
    const blob = await holderOf(archiveId, file, part);
    const span = Math.max(length, windowBytes, Math.min(WINDOW_BYTES, WINDOW_FILES * length));
    const end = Math.min(blob.size, offset + span);
    const read = {
      key,
      offset,
      end,
      bytes: blob
        .slice(offset, end)
        .arrayBuffer()
        .then((b) => new Uint8Array(b)),
    };
    windows.push(read);
    if (windows.length > WINDOWS_KEPT) windows.shift();
    // A window that cannot be read is not kept for the next file.
    read.bytes.catch(() => {
      const at = windows.indexOf(read);
      if (at >= 0) windows.splice(at, 1);
    });
    window = read;
  }
  let bytes: Uint8Array;
  try {
    bytes = await window.bytes;
  } catch (error) {
    throw cannotRead(file, (error as Error).message);
  }
  if (bytes.length !== window.end - window.offset)
    throw cannotRead(file, 'the copy of the archive it is part of reads short');
  return bytes.subarray(offset - window.offset, offset - window.offset + length);
}

/**
 * One piece of a large kept file (the import's piece: whole lines, `span` bytes from `offset`),
 * inflated from the last resume point at or before it up to the first at or after its end (or,
 * for a stored file, its bytes at that place), and cut into lines (remembered as files are: the
 * next chunks read the same piece).
 */
function pieceLines(archiveId: string, file: SegmentFileRow, piece: PiecePlace): Promise<FileLines> {
  const key = `${archiveId}\n${file.path}\n${piece.offset}`;
  return remember(key, async (): Promise<FileLines> => {
    const cannot = (why: string) =>
      new Error(`${file.path}, line ${piece.line}: the stored copy cannot be read (${why}). Import the archive again.`);
    const { offset, span } = piece;
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(span) ||
      offset < 0 ||
      span < 0 ||
      offset + span > file.size
    )
      throw cannot(`bytes ${offset} to ${offset + span} are not within its ${file.size}`);
    const stored = await storedBytes(archiveId, file);
    if (file.method === 0) {
      // Stored, not deflated: the piece is its own bytes, at the same place (no resume point).
      if (stored.size !== file.size)
        throw cannot(`it holds ${stored.size} stored bytes, not the ${file.size} verified at import`);
      return cutLines(file, new Uint8Array(await stored.slice(offset, offset + span).arrayBuffer()), piece.line);
    }
    if (file.method !== 8) throw cannot(`it has compression method ${file.method}, which is not read here`);
    const range = (from: number, to: number) =>
      db.resumePoints
        .where('[archiveId+path+out]')
        .between([archiveId, file.path, from], [archiveId, file.path, to], true, true);
    const [before, after] = await Promise.all([range(0, offset).last(), range(offset + span, Infinity).first()]);
    const from: ResumePoint = before ?? { bit: 0, out: 0, window: new Uint8Array(0) };
    const end = after ? Math.ceil(after.bit / 8) : stored.size;
    if (from.bit < 0 || end > stored.size || Math.floor(from.bit / 8) > end)
      throw cannot(`its resume points lie outside its ${stored.size} stored bytes`);
    const bytes = new Uint8Array(await stored.slice(Math.floor(from.bit / 8), end).arrayBuffer());
    const want = offset + span - from.out;
    let read: Awaited<ReturnType<typeof inflateFromPoint>>;
    try {
      read = await inflateFromPoint(bytes, from, want, after?.bit);
    } catch (error) {
      throw cannot((error as Error).message);
    }
    if (read.bytes.length < want)
      throw cannot(
        read.fault ??
          `it inflates to ${from.out + read.bytes.length} bytes, short of the ${offset + span} verified at import`,
      );
    return cutLines(file, read.bytes.subarray(offset - from.out, want), piece.line);
  });
}

/**
 * Reads once what `key` names, remembered while read and after (the most recently used last);
 * a read that fails or finds nothing (null) is forgotten.
 */
function remember<T>(key: string, read: () => Promise<T>): Promise<T> {
  const pending = remembered.get(key) as Promise<T> | undefined;
  if (pending) {
    remembered.delete(key);
    remembered.set(key, pending);
    return pending;
  }
  const reading = read();
  remembered.set(key, reading);
  const forget = () => {
    if (remembered.get(key) === reading) remembered.delete(key);
  };
  reading.then((found) => found ?? forget(), forget);
  while (remembered.size > REMEMBERED_FILES) remembered.delete(remembered.keys().next().value as string);
  return reading;
}

/**
 * The file's stored bytes: its own blob, or its part of the blob of the row it names (the archive
 * kept whole: renderer/workers/kept-files.ts).
 */
async function storedBytes(archiveId: string, file: SegmentFileRow): Promise<Blob> {
  if (!file.part) {
    if (!file.blob) throw cannotRead(file, 'it has no bytes');
    return file.blob;
  }
  const { offset, length } = file.part;
  return (await holderOf(archiveId, file, file.part)).slice(offset, offset + length);
}

/** An error saying `file`'s stored copy cannot be read, and why. */
function cannotRead(file: Pick<SegmentFileRow, 'path'>, why: string): Error {
  return new Error(`${file.path}: the stored copy cannot be read (${why}). Import the archive again.`);
}

type Part = NonNullable<SegmentFileRow['part']>;

/** Whether a part's place in the archive's copy is a range of bytes. */
function isByteRange({ offset, length }: Part): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0;
}

/** The blob of the archive's copy that `file` is `part` of, checked to hold it. */
async function holderOf(archiveId: string, file: SegmentFileRow, part: Part): Promise<Blob> {
  const holder = await db.segmentFiles.get([archiveId, part.in]);
  if (!holder?.blob) throw cannotRead(file, 'the copy of the archive it is part of is missing');
  if (!isByteRange(part)) throw cannotRead(file, `its place in the archive's copy is not a range of bytes`);
  if (part.offset + part.length > holder.blob.size)
    throw cannotRead(
      file,
      `it lies past the end of the archive's copy (${part.offset + part.length} of ${holder.blob.size} bytes)`,
    );
  return holder.blob;
}

/**
 * The file's bytes, inflated from `stored`, exactly `size` of them. The stored bytes are read in
 * one go and given to the inflate whole, not through a blob's own stream from IndexedDB, which
 * comes in small parts, each a wait (27 ms a 1.8 MB file in an impact worker through it).
 */
async function inflatedBytes(
  file: Pick<SegmentFileRow, 'path' | 'method' | 'size'>,
  bytes: Uint8Array,
): Promise<Uint8Array> {
  if (file.method !== 0 && file.method !== 8)
    throw new Error(`${file.path}: the stored copy has compression method ${file.method}, which is not read here.`);
  const out = new Uint8Array(file.size);
  let at = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  try {
    if (file.method === 0) {
      if (bytes.length !== file.size)
        throw new Error(
          `${file.path}: the stored copy holds ${bytes.length} bytes, not the ${file.size} verified at import.`,
        );
      return copyOf(bytes);
    }
    const inflate = new DecompressionStream('deflate-raw');
    reader = inflate.readable.getReader();
    const writer = inflate.writable.getWriter();
    // Written and closed while read below; a fault is read from the reader.
    void writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => undefined);
    void writer.close().catch(() => undefined);
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      if (at + next.value.length > out.length)
        throw new Error(
          `${file.path}: the stored copy inflates to more than the ${file.size} bytes verified at import.`,
        );
      out.set(next.value, at);
      at += next.value.length;
    }
  } catch (error) {
    void reader?.cancel().catch(() => undefined);
    if (error instanceof Error && error.message.startsWith(file.path)) throw error;
    throw new Error(
      `${file.path}: the stored copy cannot be read (${(error as Error).message}). Import the archive again.`,
    );
  }
  if (at !== file.size)
    throw new Error(`${file.path}: the stored copy inflates to ${at} bytes, not the ${file.size} verified at import.`);
  return out;
}

/**
 * Cuts a file's bytes (or a piece's, its first line `first`) into lines with the import's own
 * reader (no line is too long here: the limit is the bytes).
 */
async function cutLines(
  file: Pick<SegmentFileRow, 'path' | 'size'>,
  bytes: Uint8Array,
  first: number,
): Promise<FileLines> {
  const lines: Uint8Array[] = [];
  for await (const read of readLines([bytes], Math.max(1, bytes.length)))
    if (read.kind !== 'too-long') lines.push(read.bytes);
  return { path: file.path, lines, size: bytes.length, first };
}

/** Forgets the files remembered inflated (tests). */
export function forgetFileLines(): void {
  remembered.clear();
  windows.length = 0;
}

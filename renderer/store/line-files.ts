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
 * Larger files, files read through the Electron host's relay (no file to slice), ExecLayer
 * logs and archives imported before keep their lines in the chunks, as before.
 */
import { readLines } from '../../shared/archive/lines.ts';
import { decodeUtf8Strict } from '../../shared/format/bytes.ts';
import { hashOf } from '../../shared/format/hash.ts';
import { PackedLinesBuilder, packedLineBytes } from '../workers/packed-lines.ts';
import { db, type ReceiptLinesRow, type SegmentFileRow } from './db.ts';

/** A kept file's lines, inflated (`size` bytes in all): line n (1-based) is `lines[n - 1]`. */
interface FileLines {
  readonly path: string;
  readonly size: number;
  readonly lines: readonly Uint8Array[];
}

const NO_BYTES = new Uint8Array(0);
/** Files remembered inflated (a 1,000-line file fills four chunks of 250). */
const REMEMBERED_FILES = 4;
const remembered = new Map<string, Promise<FileLines | null>>();

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
  const { inFiles, ...rest } = row;
  const where = `Line chunk ${row.chunkNo} of ledger ${row.ledger}`;
  if (!row.places || !row.lines)
    throw new Error(`${where} names segment files but not its lines' places: import the archive again.`);
  const { path: pathIds, line: lineNos } = row.places;
  const files = new Map<number, FileLines>();
  const read = await Promise.all(
    inFiles.paths.map(async (path) => {
      const found = await fileLines(row.archiveId, path);
      if (!found)
        throw new Error(`${path}: the stored copy of this segment file is missing. Import the archive again.`);
      return found;
    }),
  );
  inFiles.ids.forEach((id, k) => files.set(id, read[k] as FileLines));
  const count = row.hashes.length;
  const out = new PackedLinesBuilder(Math.max(1024, (read[0]?.size ?? 0) / 4));
  for (let i = 0; i < count; i++) {
    const file = files.get(pathIds[i] as number);
    if (!file) {
      const held = packedLineBytes(row.lines, i);
      if (held === undefined) throw new Error(`${where} holds no line ${i}: import the archive again.`);
      out.push(held);
      continue;
    }
    const n = lineNos[i] as number;
    const bytes = lineOf(file, n);
    if (!bytes) throw new Error(`${file.path}: the stored copy has no line ${n}. Import the archive again.`);
    if (hashOf(bytes) !== row.hashes[i])
      throw new Error(
        `${file.path}, line ${n}: the stored copy of the file does not give the line verified at import ` +
          `(its SHA-256 differs). Import the archive again.`,
      );
    // As the import stored it: a line that is not UTF-8 is kept as '' (its hash says what it was).
    out.push(decodeUtf8Strict(bytes) === null ? NO_BYTES : bytes);
  }
  return { ...rest, lines: out.takeLast() };
}

/** Line `n` (1-based) of a kept file, or null when it has fewer lines. */
function lineOf(file: FileLines, n: number): Uint8Array | null {
  return Number.isInteger(n) && n >= 1 ? (file.lines[n - 1] ?? null) : null;
}

/**
 * Starts reading a segment file that a chunk about to be read may name, so that it is read
 * beside the chunk row. Nothing is kept when it was not kept at import (its row is missing),
 * and a failure is left for the read that needs the file to report.
 */
export function prefetchFileLines(archiveId: string, path: string): void {
  void fileLines(archiveId, path).catch(() => undefined);
}

/**
 * A kept file, inflated and cut into lines, or null when the archive has no kept copy of it
 * (remembered while read and after: the next chunks read the same file).
 */
function fileLines(archiveId: string, path: string): Promise<FileLines | null> {
  const key = `${archiveId}\n${path}`;
  const pending = remembered.get(key);
  if (pending) {
    // Most recently used last.
    remembered.delete(key);
    remembered.set(key, pending);
    return pending;
  }
  const read = (async () => {
    const file = await db.segmentFiles.get([archiveId, path]);
    return file ? cutLines(file, await inflatedBytes(file, await storedBytes(archiveId, file))) : null;
  })();
  remembered.set(key, read);
  const forget = () => {
    if (remembered.get(key) === read) remembered.delete(key);
  };
  read.then((found) => found ?? forget(), forget);
  while (remembered.size > REMEMBERED_FILES) remembered.delete(remembered.keys().next().value as string);
  return read;
}

/**
 * The file's stored bytes: its own blob, or its part of the blob of the row it names (the archive
 * kept whole: renderer/workers/kept-files.ts).
 */
async function storedBytes(archiveId: string, file: SegmentFileRow): Promise<Blob> {
  const cannot = (why: string) =>
    new Error(`${file.path}: the stored copy cannot be read (${why}). Import the archive again.`);
  if (!file.part) {
    if (!file.blob) throw cannot('it has no bytes');
    return file.blob;
  }
  const { offset, length } = file.part;
  const holder = await db.segmentFiles.get([archiveId, file.part.in]);
  if (!holder?.blob) throw cannot('the copy of the archive it is part of is missing');
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0)
    throw cannot(`its place in the archive's copy is not a range of bytes`);
  if (offset + length > holder.blob.size)
    throw cannot(`it lies past the end of the archive's copy (${offset + length} of ${holder.blob.size} bytes)`);
  return holder.blob.slice(offset, offset + length);
}

/** The file's bytes, inflated from `stored`, exactly `size` of them. */
async function inflatedBytes(
  file: Pick<SegmentFileRow, 'path' | 'method' | 'size'>,
  stored: Blob,
): Promise<Uint8Array> {
  let stream = stored.stream();
  if (file.method === 8) stream = stream.pipeThrough(new DecompressionStream('deflate-raw'));
  else if (file.method !== 0)
    throw new Error(`${file.path}: the stored copy has compression method ${file.method}, which is not read here.`);
  const out = new Uint8Array(file.size);
  let at = 0;
  const reader = stream.getReader();
  try {
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
    void reader.cancel().catch(() => undefined);
    if (error instanceof Error && error.message.startsWith(file.path)) throw error;
    throw new Error(
      `${file.path}: the stored copy cannot be read (${(error as Error).message}). Import the archive again.`,
    );
  }
  if (at !== file.size)
    throw new Error(`${file.path}: the stored copy inflates to ${at} bytes, not the ${file.size} verified at import.`);
  return out;
}

/** Cuts the file's bytes into lines with the import's own reader (no line is too long here: the limit is the file). */
async function cutLines(file: Pick<SegmentFileRow, 'path' | 'size'>, bytes: Uint8Array): Promise<FileLines> {
  const lines: Uint8Array[] = [];
  for await (const read of readLines([bytes], Math.max(1, bytes.length)))
    if (read.kind !== 'too-long') lines.push(read.bytes);
  return { path: file.path, lines, size: file.size };
}

/** Forgets the files remembered inflated (tests). */
export function forgetFileLines(): void {
  remembered.clear();
}

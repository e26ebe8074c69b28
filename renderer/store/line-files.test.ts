/**
 * Small segment files kept as their stored bytes (line-files.ts, kept-files.ts): the chunks read
 * back give exactly the lines an import that stores every line gives, whatever the file's
 * shape (an empty line, a line that is not UTF-8, a byte order mark, no final newline, a chunk
 * across two files, a chunk mixing kept and held lines); and a kept copy that does not give the
 * verified line is an error naming the file and line, never another line.
 */
import 'fake-indexeddb/auto';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { StoredData } from '../../shared/archive/zip.ts';
import type { RandomAccessBytes, StreamOptions } from '../../shared/archive/source.ts';
import type { RecordRead } from '../../shared/engine/types.ts';
import { concatBytes, decodeUtf8Strict, utf8 } from '../../shared/format/bytes.ts';
import { hashOf } from '../../shared/format/hash.ts';
import { blobBytes } from '../../shared/archive/blob.ts';
import type { RawEntry } from '../../shared/archive/source.ts';
import { KeptFiles, keepsWholeArchive, RecordedBytes, WHOLE_ARCHIVE_SHARE } from '../workers/kept-files.ts';
import { storedLines } from '../workers/packed-lines.ts';
import {
  ColumnBuilder,
  KEPT_FILE_MAX_BYTES,
  WHOLE_ARCHIVE_PATH,
  type FilePart,
  type LineChunk,
} from '../workers/receipt-columns.ts';
import { beginImport, deleteArchive, putLineChunks } from './archives.ts';
import { db, type ReceiptLinesRow } from './db.ts';
import { chunkTexts, forgetFileLines, prefetchFileLines, readLineChunk, withFileLines } from './line-files.ts';

const SEGMENT = (n: number) => `ledgers/L/${String(n).padStart(6, '0')}.jsonl`;

/** File 1: 400 lines ending in "\n", with an empty line, one not UTF-8 and one with a BOM. */
function file1(): Uint8Array {
  const lines: Uint8Array[] = [];
  for (let i = 1; i <= 400; i++) {
    if (i === 7) lines.push(new Uint8Array(0));
    else if (i === 8) lines.push(Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d));
    else if (i === 9) lines.push(utf8(`\uFEFF{"seq":${i}}`));
    else lines.push(utf8(`{"seq":${i},"note":"ligne ${i} é"}`));
  }
  return concatBytes(lines.flatMap((l) => [l, Uint8Array.of(0x0a)]));
}
/** File 2: 200 lines, the last without "\n"; file 3: 120 lines, too large to keep (told so). */
const file2 = () => utf8(Array.from({ length: 200 }, (_, i) => `{"seq":${401 + i}}`).join('\n'));
const file3 = () => utf8(Array.from({ length: 120 }, (_, i) => `{"seq":${601 + i}}\n`).join(''));

/** The records the engine gives for a file's bytes (lines.ts, segment.ts): every line, text '' when not UTF-8. */
function recordsOf(path: string, bytes: Uint8Array): RecordRead[] {
  const out: RecordRead[] = [];
  let from = 0;
  let line = 1;
  while (from < bytes.length) {
    const nl = bytes.indexOf(0x0a, from);
    const end = nl === -1 ? bytes.length : nl;
    const raw = bytes.slice(from, end);
    const text = decodeUtf8Strict(raw);
    out.push({
      ledger: 'L',
      path,
      line,
      text: text ?? '',
      ...(text !== null ? { bytes: raw } : {}),
      hash: hashOf(raw),
      receipt: null,
    });
    line++;
    from = end + 1;
  }
  return out;
}

/** Where each file lies in one "archive" blob, as the engine would tell it. */
function archiveOf(files: { path: string; bytes: Uint8Array; method: 0 | 8; declared?: number }[]) {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  const stored = new Map<string, StoredData>();
  let at = 0;
  for (const f of files) {
    const data = f.method === 8 ? new Uint8Array(deflateRawSync(f.bytes)) : f.bytes.slice();
    parts.push(Uint8Array.of(1, 2, 3), data);
    at += 3;
    stored.set(f.path, {
      offset: at,
      compressedSize: data.length,
      method: f.method,
      crc32: 0,
      uncompressedSize: f.declared ?? f.bytes.length,
    });
    at += data.length;
  }
  // The directory as the engine lists it (declared and stored sizes).
  const entries: RawEntry[] = files.map((f) => ({
    name: f.path,
    declaredSize: f.declared ?? f.bytes.length,
    compressedSize: (stored.get(f.path) as StoredData).compressedSize,
    isDirectory: false,
  }));
  return { blob: new Blob(parts), stored, entries };
}

const FILES = [
  { path: SEGMENT(1), bytes: file1(), method: 8 as const },
  { path: SEGMENT(2), bytes: file2(), method: 0 as const },
  { path: SEGMENT(3), bytes: file3(), method: 8 as const, declared: KEPT_FILE_MAX_BYTES + 1 },
];
const records = FILES.flatMap((f) => recordsOf(f.path, f.bytes));

/** For each import, how many entries its KeptFiles still records (none once its files are read). */
const recordedLeft: (() => number)[] = [];

/**
 * Imports the records' chunks: every line held (false), or with the files kept as the verify
 * worker keeps them: slices of the archive file (true), parts of the archive kept whole
 * (`'whole'`: the verify worker tells KeptFiles the directory), or (`'relayed'`, the Electron
 * host) the bytes the engine read, recorded as it inflated each file; `readWhole` false stops
 * that read early.
 */
async function importChunks(
  keep: boolean | 'relayed' | 'whole',
  files: { path: string; bytes: Uint8Array; method: 0 | 8; declared?: number }[] = FILES,
  readWhole = (_path: string) => true,
  /** The lines the engine verified (of `FILES` unless given). */
  lineRecords = records,
  /** KeptFiles' own unless given. */
  partInChunkMaxBytes?: number,
): Promise<{ archiveId: string; chunks: LineChunk[] }> {
  const archive = archiveOf(files);
  const kept = new KeptFiles(keep === 'relayed' ? null : archive.blob, partInChunkMaxBytes);
  // Told the directory as the engine tells it (onEntries); the archive is kept whole only when asked here.
  if (keep === 'whole' || keep === 'relayed') kept.decide(archive.entries);
  const builder = new ColumnBuilder(undefined, (path) => keep !== false && kept.has(path));
  const archiveId = await beginImport({ name: 'x.zip', size: 1, origin: 'file', trustedRoots: [] });
  const chunks: LineChunk[] = [];
  const offered = new Set<string>();
  recordedLeft.push(() => kept.recordingEntries);
  // The engine's inflate, as kept.inflate wraps it: it reads the stored data in parts.
  const inflate = kept.inflate(async function* (bytes, stored) {
    for (let at = 0; at < stored.compressedSize; at += 1000)
      yield await bytes.read(stored.offset + at, Math.min(1000, stored.compressedSize - at));
  });
  for (const r of lineRecords) {
    // The engine reads a file whole, and tells it, before its first line is given.
    if (!offered.has(r.path)) {
      offered.add(r.path);
      const stored = archive.stored.get(r.path) as StoredData;
      for await (const _ of inflate(blobBytes(archive.blob), stored)) if (!readWhole(r.path)) break;
      if (readWhole(r.path)) kept.offer(r.path, stored);
    }
    const chunk = builder.add(r);
    if (chunk) chunks.push(kept.attach(chunk));
  }
  chunks.push(...builder.flush().map((c) => kept.attach(c)));
  for (const chunk of chunks) await putLineChunks(archiveId, [chunk]);
  return { archiveId, chunks };
}

async function linesOf(archiveId: string, chunkNo: number): Promise<string[]> {
  const row = await readLineChunk(archiveId, 'L', chunkNo);
  if (!row) throw new Error(`no chunk ${chunkNo}`);
  return storedLines(row);
}

let held: { archiveId: string; chunks: LineChunk[] };
let kept: { archiveId: string; chunks: LineChunk[] };
let relayed: { archiveId: string; chunks: LineChunk[] };
let whole: { archiveId: string; chunks: LineChunk[] };

beforeAll(async () => {
  held = await importChunks(false);
  kept = await importChunks(true);
  relayed = await importChunks('relayed');
  whole = await importChunks('whole');
});

afterAll(async () => {
  await db.delete();
});

describe('segment files kept as their stored bytes', () => {
  it('leave their lines out of the chunks, and each file is stored once, with the first chunk naming it', async () => {
    // 720 lines: chunk 0 is file 1's first 250, chunk 1 crosses from file 1 into file 2, chunk 2
    // mixes file 2's last 100 (kept) with file 3's 120 (told larger than the limit: held).
    expect(kept.chunks.map((c) => c.inFiles?.paths ?? [])).toEqual([
      [SEGMENT(1)],
      [SEGMENT(1), SEGMENT(2)],
      [SEGMENT(2)],
    ]);
    expect(kept.chunks.map((c) => (c.files ?? []).map((f) => f.path))).toEqual([[SEGMENT(1)], [SEGMENT(2)], []]);
    expect(kept.chunks.map((c) => c.lines.bytes.length)).toEqual([0, 0, file3().length - 120]);
    expect(held.chunks.every((c) => c.inFiles === undefined && c.files === undefined)).toBe(true);
    const rows = await db.segmentFiles.where('archiveId').equals(kept.archiveId).toArray();
    expect(rows.map((r) => [r.path, r.method, r.size])).toEqual([
      [SEGMENT(1), 8, FILES[0]?.bytes.length],
      [SEGMENT(2), 0, FILES[1]?.bytes.length],
    ]);
    expect(await db.segmentFiles.where('archiveId').equals(held.archiveId).count()).toBe(0);
  });

  it('read back, give every chunk exactly as an import that holds every line: texts, hashes and places', async () => {
    for (const keptBy of [kept, relayed, whole])
      for (let chunkNo = 0; chunkNo < 3; chunkNo++) {
        forgetFileLines();
        const a = await readLineChunk(held.archiveId, 'L', chunkNo);
        const b = await readLineChunk(keptBy.archiveId, 'L', chunkNo);
        expect(b?.inFiles).toBeUndefined();
        expect(storedLines(b as NonNullable<typeof b>)).toEqual(storedLines(a as NonNullable<typeof a>));
        // As texts in one step (the impact workers' read): the same lines, from the row as stored.
        forgetFileLines();
        const stored = await db.receiptLines.get([keptBy.archiveId, 'L', chunkNo]);
        expect(stored?.inFiles).toBeDefined();
        expect(await chunkTexts(stored as NonNullable<typeof stored>)).toEqual(storedLines(a as NonNullable<typeof a>));
        expect(await chunkTexts(a as NonNullable<typeof a>)).toEqual(storedLines(a as NonNullable<typeof a>));
        expect(b?.hashes).toEqual(a?.hashes);
        expect(b?.places).toEqual(a?.places);
      }
    // The mixed chunk (file 2's last lines, then file 3's) and the special lines, by value.
    const mixed = await linesOf(kept.archiveId, 2);
    expect(mixed[0]).toBe('{"seq":501}');
    expect(mixed[99]).toBe('{"seq":600}');
    expect(mixed[100]).toBe('{"seq":601}');
    const first = await linesOf(kept.archiveId, 0);
    expect(first.slice(5, 10)).toEqual([
      '{"seq":6,"note":"ligne 6 é"}',
      '',
      '',
      '\uFEFF{"seq":9}',
      '{"seq":10,"note":"ligne 10 é"}',
    ]);
  });

  it('relayed (the Electron host), are the bytes the engine read, kept only when it read a file whole', async () => {
    expect(relayed.chunks.map((c) => (c.files ?? []).map((f) => f.path))).toEqual([[SEGMENT(1)], [SEGMENT(2)], []]);
    const rows = await db.segmentFiles.where('archiveId').equals(relayed.archiveId).toArray();
    const archive = archiveOf(FILES);
    for (const row of rows) {
      const stored = archive.stored.get(row.path) as StoredData;
      const slice = archive.blob.slice(stored.offset, stored.offset + stored.compressedSize);
      expect(new Uint8Array(await (row.blob as Blob).arrayBuffer())).toEqual(new Uint8Array(await slice.arrayBuffer()));
    }
    // File 1's read stopped early: its lines are held, file 2 is still kept.
    const partly = await importChunks('relayed', FILES, (path) => path !== SEGMENT(1));
    expect(partly.chunks.map((c) => c.inFiles?.paths ?? [])).toEqual([[], [SEGMENT(2)], [SEGMENT(2)]]);
    expect(partly.chunks.map((c) => (c.files ?? []).map((f) => f.path))).toEqual([[], [SEGMENT(2)], []]);
    // The unfinished read's bytes are not held on to; nor are any once a file is kept.
    expect(recordedLeft.map((left) => left())).toEqual(recordedLeft.map(() => 0));
    forgetFileLines();
    for (let chunkNo = 0; chunkNo < 3; chunkNo++)
      expect(await linesOf(partly.archiveId, chunkNo)).toEqual(await linesOf(held.archiveId, chunkNo));
  });

  it('only segment files are kept; another entry read whole leaves nothing recorded', async () => {
    const archive = archiveOf([{ path: 'policies/p.json', bytes: utf8('{"a":1}\n'), method: 8 }]);
    const stored = archive.stored.get('policies/p.json') as StoredData;
    for (const keptBy of [new KeptFiles(archive.blob), new KeptFiles(null)]) {
      const inflate = keptBy.inflate(async function* (bytes, data) {
        yield await bytes.read(data.offset, data.compressedSize);
      });
      for await (const _ of inflate(blobBytes(archive.blob), stored));
      keptBy.offer('policies/p.json', stored);
      expect(keptBy.has('policies/p.json')).toBe(false);
      expect(keptBy.recordingEntries).toBe(0);
    }
  });

  it('the inflate it wraps keeps what it can give: views when the reader is transient, and the options passed on', async () => {
    const archive = archiveOf([{ path: SEGMENT(1), bytes: utf8('{"a":1}\n'), method: 8 }]);
    const stored = archive.stored.get(SEGMENT(1)) as StoredData;
    const asked: unknown[] = [];
    const inner = Object.assign(
      async function* (bytes: RandomAccessBytes, data: StoredData, _signal?: AbortSignal, options?: StreamOptions) {
        asked.push(options);
        yield await bytes.read(data.offset, data.compressedSize);
      },
      { transientViews: true as const },
    );
    for (const keptBy of [new KeptFiles(archive.blob), new KeptFiles(null)]) {
      const inflate = keptBy.inflate(inner);
      expect(inflate.transientViews).toBe(true);
      for await (const _ of inflate(blobBytes(archive.blob), stored, undefined, { transient: true }));
    }
    expect(asked).toEqual([{ transient: true }, { transient: true }]);
    // An inflate that gives parts of their own only is not made one that gives views.
    const owned = new KeptFiles(null).inflate(async function* () {});
    expect(owned.transientViews).toBeUndefined();
  });

  it("relayed: only reads that are exactly the entry's data, in order and without a gap, make a copy", async () => {
    const stored: StoredData = { offset: 10, compressedSize: 6, method: 8, crc32: 0, uncompressedSize: 9 };
    const read = (offset: number, ...bytes: number[]) => ({ offset, bytes: Uint8Array.from(bytes) });
    /** The copy the reads make, if they make one. */
    const storedBlob = (reads: readonly ReturnType<typeof read>[]) => {
      const recorded = new RecordedBytes(stored);
      for (const r of reads) recorded.add(r.offset, r.bytes);
      return recorded.whole();
    };
    const whole = storedBlob([read(0, 9, 9), read(10, 1, 2, 3), read(13, 4, 5, 6, 7)]);
    expect(whole?.size).toBe(6);
    expect(new Uint8Array(await (whole as Blob).arrayBuffer())).toEqual(Uint8Array.of(1, 2, 3, 4, 5, 6));
    expect(storedBlob([read(10, 1, 2, 3)])).toBeNull(); // short
    expect(storedBlob([read(10, 1, 2), read(13, 4, 5, 6, 7)])).toBeNull(); // a gap, the size made up after it
    expect(storedBlob([read(13, 4, 5, 6), read(10, 1, 2, 3)])).toBeNull(); // out of order
    expect(storedBlob([read(8, 0, 0, 1, 2, 3, 4, 5, 6)])).toBeNull(); // begun before the data
    expect(storedBlob([])).toBeNull(); // not recorded
  });

  it('a kept copy that does not give the verified line is an error naming the file and line', async () => {
    // One digit of line 80 ({"seq":480}) changed in file 2's kept copy.
    const bytes = file2();
    const at = new TextDecoder().decode(bytes).indexOf('{"seq":480}') + 8;
    bytes[at] = 0x39;
    const { archiveId } = await importChunks(true, [FILES[0], { ...FILES[1], bytes }, FILES[2]] as typeof FILES);
    forgetFileLines();
    await expect(readLineChunk(archiveId, 'L', 1)).rejects.toThrow(
      `${SEGMENT(2)}, line 80: the stored copy of the file does not give the line verified at import`,
    );
  });

  it('a missing, short or unreadable kept copy is an error naming the file', async () => {
    forgetFileLines();
    const row = await db.receiptLines.get([kept.archiveId, 'L', 0]);
    await db.segmentFiles.delete([kept.archiveId, SEGMENT(1)]);
    await expect(withFileLines(row)).rejects.toThrow(`${SEGMENT(1)}: the stored copy of this segment file is missing`);
    await expect(chunkTexts(row as NonNullable<typeof row>)).rejects.toThrow(
      `${SEGMENT(1)}: the stored copy of this segment file is missing`,
    );
    const file = { archiveId: kept.archiveId, path: SEGMENT(1), method: 8, size: FILES[0]?.bytes.length ?? 0 };
    await db.segmentFiles.put({ ...file, blob: new Blob([deflateRawSync(file2())]) });
    forgetFileLines();
    await expect(withFileLines(row)).rejects.toThrow(`${SEGMENT(1)}: the stored copy inflates to`);
    await db.segmentFiles.put({ ...file, blob: new Blob([Uint8Array.of(0xff, 0xff, 0xff)]) });
    forgetFileLines();
    await expect(withFileLines(row)).rejects.toThrow(`${SEGMENT(1)}: the stored copy cannot be read`);
  });

  it('asked for ahead: a kept file is read once, for the chunk that names it; a file not kept leaves nothing behind', async () => {
    forgetFileLines();
    const { archiveId } = await importChunks(true);
    const gets = vi.spyOn(db.segmentFiles, 'get');
    try {
      prefetchFileLines(archiveId, SEGMENT(1));
      expect(await linesOf(archiveId, 0)).toEqual(await linesOf(held.archiveId, 0));
      expect(gets.mock.calls.filter(([key]) => (key as string[])[1] === SEGMENT(1))).toHaveLength(1);
      // File 3 was not kept: asking ahead finds no copy and says nothing; asking again reads again.
      prefetchFileLines(archiveId, SEGMENT(3));
      await vi.waitFor(() =>
        expect(gets.mock.calls.filter(([key]) => (key as string[])[1] === SEGMENT(3))).toHaveLength(1),
      );
      await new Promise((resolve) => setTimeout(resolve, 10));
      prefetchFileLines(archiveId, SEGMENT(3));
      await vi.waitFor(() =>
        expect(gets.mock.calls.filter(([key]) => (key as string[])[1] === SEGMENT(3))).toHaveLength(2),
      );
    } finally {
      gets.mockRestore();
    }
  });

  it('kept whole when the files that can be kept are most of the archive: one copy, with the first chunk; every chunk says where in it its files lie', async () => {
    expect(whole.chunks.map((c) => (c.files ?? []).map((f) => f.path))).toEqual([[WHOLE_ARCHIVE_PATH], [], []]);
    // No row for each file: a chunk's own row says where each file it names lies.
    const rows = await db.segmentFiles.where('archiveId').equals(whole.archiveId).toArray();
    expect(rows.map((r) => r.path)).toEqual([WHOLE_ARCHIVE_PATH]);
    const archive = archiveOf(FILES);
    expect(new Uint8Array(await (rows[0]?.blob as Blob).arrayBuffer())).toEqual(
      new Uint8Array(await archive.blob.arrayBuffer()),
    );
    const partOf = (n: number) => {
      const stored = archive.stored.get(SEGMENT(n)) as StoredData;
      const file = FILES[n - 1] as (typeof FILES)[number];
      return { offset: stored.offset, length: stored.compressedSize, method: file.method, size: file.bytes.length };
    };
    const expected = [[partOf(1)], [partOf(1), partOf(2)], [partOf(2)]];
    expect(whole.chunks.map((c) => c.inFiles?.parts)).toEqual(expected);
    for (let chunkNo = 0; chunkNo < 3; chunkNo++)
      expect((await db.receiptLines.get([whole.archiveId, 'L', chunkNo]))?.inFiles?.parts).toEqual(expected[chunkNo]);
    // Relayed bytes are never kept whole (there is no file to slice): each file has its own copy.
    const relayedRows = await db.segmentFiles.where('archiveId').equals(relayed.archiveId).toArray();
    expect(relayedRows.map((r) => [r.path, r.part === undefined, r.blob instanceof Blob])).toEqual([
      [SEGMENT(1), true, true],
      [SEGMENT(2), true, true],
    ]);
  });

  it('many small files a chunk (a producer writing a few receipts a file), kept apart or as parts of the archive kept whole: read back exactly, in any order', async () => {
    // 90 files of 7 lines: each chunk names dozens of files, read with one request for their rows
    // and, kept whole, from windows of the archive's copy.
    const small = Array.from({ length: 90 }, (_, k) => ({
      path: SEGMENT(k + 1),
      bytes: utf8(Array.from({ length: 7 }, (_, i) => `{"seq":${k * 7 + i + 1},"note":"é ${k}"}\n`).join('')),
      method: (k % 3 === 0 ? 0 : 8) as 0 | 8,
    }));
    const smallRecords = small.flatMap((f) => recordsOf(f.path, f.bytes));
    const heldSmall = await importChunks(false, small, undefined, smallRecords);
    const chunkNos = heldSmall.chunks.map((_, n) => n);
    expect(chunkNos.length).toBeGreaterThan(1);
    for (const mode of [true, 'whole'] as const) {
      const keptSmall = await importChunks(mode, small, undefined, smallRecords);
      const stored = await db.receiptLines.get([keptSmall.archiveId, 'L', 0]);
      expect(stored?.inFiles?.paths.length).toBeGreaterThan(20);
      forgetFileLines();
      for (const chunkNo of [...chunkNos].reverse().concat(chunkNos)) {
        const a = await readLineChunk(heldSmall.archiveId, 'L', chunkNo);
        const b = await readLineChunk(keptSmall.archiveId, 'L', chunkNo);
        expect(storedLines(b as NonNullable<typeof b>)).toEqual(storedLines(a as NonNullable<typeof a>));
        const row = await db.receiptLines.get([keptSmall.archiveId, 'L', chunkNo]);
        expect(await chunkTexts(row as NonNullable<typeof row>)).toEqual(storedLines(a as NonNullable<typeof a>));
      }
    }
  });

  it('the archive is kept whole only when the small segment files are at least nine tenths of it', () => {
    const entry = (name: string, compressedSize: number, declaredSize: number | null = 1000): RawEntry => ({
      name,
      compressedSize,
      declaredSize,
      isDirectory: false,
    });
    const nine = WHOLE_ARCHIVE_SHARE * 1000;
    expect(keepsWholeArchive([entry(SEGMENT(1), nine / 2), entry(SEGMENT(2), nine / 2)], 1000)).toBe(true);
    expect(keepsWholeArchive([entry(SEGMENT(1), nine / 2), entry(SEGMENT(2), nine / 2 - 1)], 1000)).toBe(false);
    // Only segment files small enough to keep, that can be read, count.
    for (const other of [
      entry('attachments/a.bin', 500),
      entry(SEGMENT(3), 500, KEPT_FILE_MAX_BYTES + 1),
      entry(SEGMENT(3), 500, null),
      { ...entry(SEGMENT(3), 500), unsupported: 'encrypted' },
      { ...entry('ledgers/L/', 500), isDirectory: true },
    ])
      expect(keepsWholeArchive([entry(SEGMENT(1), nine - 500), other], 1000)).toBe(false);
    expect(keepsWholeArchive([], 0)).toBe(false);
  });

  it('a part whose archive copy is missing, or that lies outside it, is an error naming the file', async () => {
    const { archiveId } = await importChunks('whole');
    // Chunk 2 reads file 2 only.
    const row = (await db.receiptLines.get([archiveId, 'L', 2])) as ReceiptLinesRow;
    const inFiles = row.inFiles as NonNullable<ReceiptLinesRow['inFiles']>;
    const part = inFiles.parts?.[0] as FilePart;
    const copy = await db.segmentFiles.get([archiveId, WHOLE_ARCHIVE_PATH]);
    const withPart = (changed: FilePart): ReceiptLinesRow => ({ ...row, inFiles: { ...inFiles, parts: [changed] } });
    forgetFileLines();
    for (const read of [withFileLines, chunkTexts]) {
      await expect(read(withPart({ ...part, offset: (copy?.blob as Blob).size - 10 }))).rejects.toThrow(
        `${SEGMENT(2)}: the stored copy cannot be read (it lies past the end of the archive's copy`,
      );
      await expect(read(withPart({ ...part, offset: -1 }))).rejects.toThrow(
        `${SEGMENT(2)}: the stored copy cannot be read`,
      );
      // Another method than the import read, or another size: never the lines taken as they come.
      await expect(read(withPart({ ...part, method: 12 }))).rejects.toThrow(
        `${SEGMENT(2)}: the stored copy has compression method 12`,
      );
      await expect(read(withPart({ ...part, size: part.size - 1 }))).rejects.toThrow(`${SEGMENT(2)}`);
    }
    expect(await chunkTexts(row)).toEqual(await linesOf(held.archiveId, 2));
    await db.segmentFiles.delete([archiveId, WHOLE_ARCHIVE_PATH]);
    forgetFileLines();
    await expect(withFileLines(row)).rejects.toThrow(
      `${SEGMENT(2)}: the stored copy cannot be read (the copy of the archive it is part of is missing)`,
    );
  });

  it('a file asked for ahead by its path alone, which has no row (its chunk says where it lies), is still read for the chunk', async () => {
    const row = (await db.receiptLines.get([whole.archiveId, 'L', 1])) as ReceiptLinesRow;
    expect(row.inFiles?.parts?.every((p) => p !== null)).toBe(true);
    for (const read of [
      chunkTexts,
      async (r: ReceiptLinesRow) => storedLines((await withFileLines(r)) as ReceiptLinesRow),
    ]) {
      forgetFileLines();
      // Asked for ahead (the receipt view does, beside the chunk row), then read while that read is in flight.
      for (const path of row.inFiles?.paths ?? []) prefetchFileLines(whole.archiveId, path);
      expect(await read(row)).toEqual(await linesOf(held.archiveId, 1));
    }
  });

  it('kept whole, files that go on over several chunks, of ledgers read in turns: every chunk says where its small files lie', async () => {
    // Two ledgers, files of 600 lines (each over three or four chunks of 250) and of 3, their
    // records given in turns of 97 as the engine may give them: each chunk of either ledger
    // names its small files' places; the larger files (past the limit given) have rows of their own.
    const fileOf = (ledger: string, k: number, lines: number) => ({
      path: `ledgers/${ledger}/${String(k).padStart(6, '0')}.jsonl`,
      bytes: utf8(Array.from({ length: lines }, (_, i) => `{"seq":${i},"f":${k},"l":"${ledger}"}\n`).join('')),
      method: (k % 2 === 0 ? 8 : 0) as 0 | 8,
    });
    const byLedger = ['L', 'M'].map((ledger) =>
      [600, 3, 600, 3, 3, 600].map((lines, k) => fileOf(ledger, k + 1, lines)),
    );
    const all = byLedger.flat();
    const recordsBy = byLedger.map((files, l) =>
      files.flatMap((f) => recordsOf(f.path, f.bytes).map((r) => ({ ...r, ledger: l === 0 ? 'L' : 'M' }))),
    );
    const turns: RecordRead[] = [];
    for (let at = 0; at < Math.max(...recordsBy.map((r) => r.length)); at += 97)
      for (const r of recordsBy) turns.push(...r.slice(at, at + 97));
    const heldTwo = await importChunks(false, all, undefined, turns);
    const wholeTwo = await importChunks('whole', all, undefined, turns);
    expect(wholeTwo.chunks.every((c) => c.inFiles?.parts?.every((p) => p !== null))).toBe(true);
    expect(await db.segmentFiles.where('archiveId').equals(wholeTwo.archiveId).count()).toBe(1);
    // Files of 600 lines past the limit: a row each (and the archive's), the chunks' places for the small ones only.
    const mixed = await importChunks('whole', all, undefined, turns, 1000);
    const small = (path: string) => (all.find((f) => f.path === path)?.bytes.length ?? Infinity) <= 1000;
    for (const chunk of mixed.chunks) {
      const named = chunk.inFiles?.paths ?? [];
      expect(named.length).toBeGreaterThan(0);
      expect(chunk.inFiles?.parts?.map((p) => p !== null) ?? named.map(() => false)).toEqual(named.map(small));
    }
    expect(await db.segmentFiles.where('archiveId').equals(mixed.archiveId).count()).toBe(1 + 6);
    for (const ledger of ['L', 'M'])
      for (let chunkNo = 0; chunkNo * 250 < 1809; chunkNo++) {
        forgetFileLines();
        const a = await readLineChunk(heldTwo.archiveId, ledger, chunkNo);
        for (const keptBy of [wholeTwo, mixed]) {
          const b = await readLineChunk(keptBy.archiveId, ledger, chunkNo);
          expect(storedLines(b as NonNullable<typeof b>), `${ledger} ${chunkNo}`).toEqual(
            storedLines(a as NonNullable<typeof a>),
          );
        }
      }
  });

  it('go with their archive when it is deleted', async () => {
    const { archiveId } = await importChunks(true);
    expect(await db.segmentFiles.where('archiveId').equals(archiveId).count()).toBe(2);
    await deleteArchive(archiveId);
    expect(await db.segmentFiles.where('archiveId').equals(archiveId).count()).toBe(0);
    expect(await db.receiptLines.where('archiveId').equals(archiveId).count()).toBe(0);
  });
});

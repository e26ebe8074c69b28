/**
 * Large segment files kept as their stored bytes and resume points (kept-files.ts, line-files.ts,
 * shared/archive/resume-points.ts), through the parts the app's import uses: the WebAssembly
 * inflate noting points as it reads the entry, the engine's splitter cutting pieces, rows that
 * leave their lines out and say their piece, the chunks stored with the points. Every chunk read
 * back gives exactly the lines an import that holds them gives; a point that is missing only costs
 * inflating further; a wrong window, or a chunk that does not say where its lines are, is an error
 * naming the file and line, never another line. A large file stored, not deflated (ZIP method 0),
 * is kept the same way without points: its pieces are slices of its bytes.
 */
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blobBytes } from '../../shared/archive/blob.ts';
import { readLines } from '../../shared/archive/lines.ts';
import { RESUME_POINT_SPACING, WINDOW_BYTES } from '../../shared/archive/resume-points.ts';
import type { StoredData } from '../../shared/archive/zip.ts';
import { zlibInflate } from '../../shared/archive/zlib-inflate.ts';
import { splitIntoPieces } from '../../shared/engine/pieces.ts';
import type { RecordRead } from '../../shared/engine/types.ts';
import { decodeUtf8Strict, utf8 } from '../../shared/format/bytes.ts';
import { hashOf } from '../../shared/format/hash.ts';
import { KeptFiles } from '../workers/kept-files.ts';
import { storedLines } from '../workers/packed-lines.ts';
import { ColumnBuilder, SegmentRowsBuilder, type LineChunk } from '../workers/receipt-columns.ts';
import { beginImport, putLineChunks } from './archives.ts';
import { db } from './db.ts';
import { chunkTexts, forgetFileLines, readLineChunk, withFileLines } from './line-files.ts';

const WASM = readFileSync(createRequire(import.meta.url).resolve('@zip.js/zip.js/dist/zip-module.wasm'));
const PATH = 'ledgers/L/000001.jsonl';

/** 36,000 lines like receipts (about 8 MB, 2.5 MB or so deflated), one empty, one not UTF-8, the last without "\n". */
function bigFile(): Uint8Array {
  const lines: string[] = [];
  for (let i = 1; i <= 36_000; i++)
    lines.push(
      i === 100
        ? ''
        : JSON.stringify({
            seq: i,
            id: `r-${(i * 2654435761) % 4294967296}`,
            note: 'é'.repeat(i % 61),
            // As a receipt's hashes and signature: bytes that do not compress.
            hash: hashOf(utf8(`h${i}`)),
            sig: hashOf(utf8(`s${i}`)),
          }),
    );
  const bytes = utf8(lines.join('\n'));
  const notUtf8 = bytes.indexOf(0x0a, 20_000) + 1;
  bytes[notUtf8 + 1] = 0xff;
  return bytes;
}

/** The records of a piece's lines, as a segment worker gives them. */
async function recordsOf(bytes: Uint8Array, firstLine: number): Promise<RecordRead[]> {
  const out: RecordRead[] = [];
  for await (const read of readLines([bytes], Math.max(1, bytes.length), firstLine)) {
    if (read.kind === 'too-long') throw new Error('no line is too long here');
    const text = decodeUtf8Strict(read.bytes);
    out.push({
      ledger: 'L',
      path: PATH,
      line: read.line,
      text: text ?? '',
      ...(text !== null ? { bytes: read.bytes } : {}),
      hash: hashOf(read.bytes),
      receipt: null,
    });
  }
  return out;
}

interface Imported {
  archiveId: string;
  chunks: LineChunk[];
  points: number;
}

/**
 * Imports the file as the app does with its pool: kept as a slice of the archive file (true), kept
 * from the bytes the engine reads (`'relayed'`, the Electron host; `failAt`: the archive's bytes
 * cannot be read from there on), or holding every line (false).
 */
async function importFile(
  keep: boolean | 'relayed',
  file: Uint8Array,
  failAt = Infinity,
  method: 0 | 8 = 8,
): Promise<Imported & { kept: KeptFiles }> {
  const data = method === 8 ? new Uint8Array(deflateRawSync(file, { level: 6 })) : new Uint8Array(file);
  const head = Uint8Array.of(9, 9, 9, 9, 9);
  const archive = new Blob([head, data]);
  const stored: StoredData = {
    offset: head.length,
    compressedSize: data.length,
    method,
    crc32: crc32(file),
    uncompressedSize: file.length,
  };
  const inflate = await zlibInflate(WASM);
  if (!inflate?.resumePoints) throw new Error('the WebAssembly inflate should note resume points here');
  const kept = new KeptFiles(keep === 'relayed' ? null : archive);
  const points = keep ? kept.resumePointsFor(PATH, stored) : undefined;
  if (keep && !points) throw new Error('a large segment file of an archive file should be kept');
  const builder = new ColumnBuilder(undefined, (path) => kept.has(path));
  const archiveId = await beginImport({ name: 'big.zip', size: archive.size, origin: 'file', trustedRoots: [] });
  const chunks: LineChunk[] = [];
  let noted = 0;
  const whole = blobBytes(archive);
  const bytes = {
    size: whole.size,
    read: async (offset: number, length: number) => {
      if (offset + length > failAt) throw new Error('the relay stopped');
      return whole.read(offset, length);
    },
  };
  // The inflate the reader gets says what the one it wraps can do (zip.ts asks where points go only then).
  const recording = kept.inflate(inflate);
  expect(recording.resumePoints).toBe(inflate.resumePoints);
  expect(recording.transientViews).toBe(inflate.transientViews);
  const entry = recording(bytes, stored, undefined, {
    transient: true,
    points: (point) => {
      noted++;
      points?.(point);
    },
  });
  // Pieces of 512 KiB (the app's are 4 MiB): several pieces between two points, and chunks across pieces.
  for await (const { piece } of splitIntoPieces(entry, 512 * 1024, 1 << 20)) {
    if (piece.span === 0) continue;
    const rows = new SegmentRowsBuilder('L', PATH, undefined, keep !== false, undefined, {
      offset: piece.offset,
      line: piece.firstLine,
      span: piece.span,
    });
    for (const record of await recordsOf(piece.bytes, piece.firstLine)) rows.add(record);
    for (const chunk of builder.addSegment(rows.finish())) chunks.push(kept.attach(chunk));
  }
  chunks.push(...builder.flush().map((c) => kept.attach(c)));
  for (const chunk of chunks) await putLineChunks(archiveId, [chunk]);
  return { archiveId, chunks, points: noted, kept };
}

const FILE = bigFile();
let held: Imported;
let kept: Imported;
let relayed: Imported;

beforeAll(async () => {
  held = await importFile(false, FILE);
  kept = await importFile(true, FILE);
  relayed = await importFile('relayed', FILE);
});

afterAll(async () => {
  await db.delete();
});

async function chunkLines(archiveId: string, chunkNo: number) {
  const row = await readLineChunk(archiveId, 'L', chunkNo);
  if (!row) throw new Error(`no chunk ${chunkNo}`);
  // As texts in one step (the impact workers' read), from the row as stored: the same lines.
  const stored = await db.receiptLines.get([archiveId, 'L', chunkNo]);
  expect(await chunkTexts(stored as NonNullable<typeof stored>)).toEqual(storedLines(row));
  return { lines: storedLines(row), hashes: row.hashes, places: row.places, inFiles: row.inFiles };
}

/**
 * Every chunk of `keptBy` read back gives the lines, hashes and places of the same chunk of
 * `held` (an import that holds every line); every fifth is read alone (no piece remembered),
 * the others after the one before.
 */
async function expectReadBackAsHeld(keptBy: Imported, held: Imported): Promise<void> {
  expect(keptBy.chunks.length).toBe(held.chunks.length);
  for (let chunkNo = 0; chunkNo < keptBy.chunks.length; chunkNo++) {
    if (chunkNo % 5 === 0) forgetFileLines();
    const a = await chunkLines(held.archiveId, chunkNo);
    const b = await chunkLines(keptBy.archiveId, chunkNo);
    expect(b.inFiles).toBeUndefined();
    expect(b.lines).toEqual(a.lines);
    expect(b.hashes).toEqual(a.hashes);
    expect(b.places).toEqual(a.places);
  }
}

describe('large segment files kept as their stored bytes and resume points', () => {
  it('leave their lines out, and store the file once and its points with the chunks', async () => {
    expect(FILE.length).toBeGreaterThan(4 * 1024 * 1024);
    expect(kept.points).toBeGreaterThanOrEqual(Math.floor(FILE.length / RESUME_POINT_SPACING) - 2);
    expect(kept.chunks.every((c) => c.lines.bytes.length === 0 && c.inFiles?.paths[0] === PATH)).toBe(true);
    expect(kept.chunks.flatMap((c) => (c.files ?? []).map((f) => [f.path, f.resumable, f.size]))).toEqual([
      [PATH, true, FILE.length],
    ]);
    const points = await db.resumePoints.where('archiveId').equals(kept.archiveId).toArray();
    expect(points).toHaveLength(kept.points);
    for (const point of points) {
      expect(point.path).toBe(PATH);
      expect(Buffer.compare(point.window, FILE.subarray(point.out - WINDOW_BYTES, point.out))).toBe(0);
    }
    // Each chunk says which pieces its lines are in: the pieces cover its lines, in order.
    for (const chunk of kept.chunks) {
      const pieces = chunk.pieces ?? [];
      expect(pieces.length).toBeGreaterThan(0);
      const lines = chunk.places.line;
      expect(pieces[0]?.line).toBeLessThanOrEqual(lines[0] as number);
      expect(pieces.at(-1)?.line).toBeLessThanOrEqual(lines.at(-1) as number);
    }
    expect(held.chunks.every((c) => c.inFiles === undefined && c.pieces === undefined && c.points === undefined)).toBe(
      true,
    );
  });

  it('read back, give every chunk exactly as an import that holds every line', async () => {
    for (const keptBy of [kept, relayed]) await expectReadBackAsHeld(keptBy, held);
    const all = (await Promise.all(kept.chunks.map((c) => chunkLines(kept.archiveId, c.chunkNo)))).flatMap(
      (c) => c.lines,
    );
    expect(all[99]).toBe('');
    expect(all[35_999]).toContain('"seq":36000');
  });

  it('relayed (the Electron host), are the bytes the engine read, stored once its read ended, nothing held after', async () => {
    const file = relayed.chunks.flatMap((c) => c.files ?? []);
    expect(file.map((f) => [f.path, f.resumable, f.size])).toEqual([[PATH, true, FILE.length]]);
    const data = new Uint8Array(deflateRawSync(FILE, { level: 6 }));
    expect(Buffer.compare(new Uint8Array(await (file[0]?.blob as Blob).arrayBuffer()), data)).toBe(0);
    // Stored with a chunk after the one holding the file's first lines: the read ended first.
    expect(relayed.chunks.findIndex((c) => c.files)).toBeGreaterThan(0);
    expect((relayed as Imported & { kept: KeptFiles }).kept.recordingEntries).toBe(0);
  });

  it('relayed bytes that stop part-way: the lines read before are kept and read back; none after was given', async () => {
    const data = deflateRawSync(FILE, { level: 6 });
    const cut = await importFile('relayed', FILE, 5 + Math.floor(data.length / 2));
    expect(cut.kept.recordingEntries).toBe(0);
    const files = cut.chunks.flatMap((c) => c.files ?? []);
    expect(files.map((f) => f.path)).toEqual([PATH]);
    expect(files[0]?.blob?.size).toBeGreaterThan(data.length / 4);
    expect(files[0]?.blob?.size).toBeLessThanOrEqual(data.length / 2 + 1);
    expect(cut.chunks.length).toBeGreaterThan(10);
    expect(cut.chunks.length).toBeLessThan(held.chunks.length);
    forgetFileLines();
    for (const chunk of cut.chunks) {
      const read = await chunkLines(cut.archiveId, chunk.chunkNo);
      const whole = await chunkLines(held.archiveId, chunk.chunkNo);
      expect(read.lines).toEqual(whole.lines.slice(0, read.lines.length));
    }
  });

  it('a point missing only means inflating from the one before it', async () => {
    const points = await db.resumePoints.where('archiveId').equals(kept.archiveId).sortBy('out');
    const middle = points[Math.floor(points.length / 2)];
    if (!middle) throw new Error('points expected');
    await db.resumePoints.delete([kept.archiveId, PATH, middle.out]);
    try {
      for (let chunkNo = 0; chunkNo < kept.chunks.length; chunkNo += 7) {
        forgetFileLines();
        expect((await chunkLines(kept.archiveId, chunkNo)).lines).toEqual(
          (await chunkLines(held.archiveId, chunkNo)).lines,
        );
      }
    } finally {
      await db.resumePoints.put(middle);
    }
  });

  it('a point whose window is wrong gives no other line: an error naming the file and line', async () => {
    const points = await db.resumePoints.where('archiveId').equals(kept.archiveId).sortBy('out');
    const point = points[1];
    if (!point) throw new Error('points expected');
    const window = point.window.slice();
    window.fill(0x41);
    await db.resumePoints.put({ ...point, window });
    try {
      // The chunk whose first line starts at or after the point, and before the next.
      const next = points[2]?.out ?? Infinity;
      let errors = 0;
      for (const chunk of kept.chunks) {
        const piece = chunk.pieces?.[0];
        if (!piece || piece.offset < point.out || piece.offset >= next) continue;
        forgetFileLines();
        await expect(readLineChunk(kept.archiveId, 'L', chunk.chunkNo)).rejects.toThrow(
          new RegExp(
            `^${PATH}, line \\d+: the stored copy (of the file does not give the line verified at import|has no such line|cannot be read)`,
          ),
        );
        errors++;
      }
      expect(errors).toBeGreaterThan(0);
    } finally {
      await db.resumePoints.put(point);
    }
  });

  it('a chunk that does not say where its lines lie, or names a piece past the file, is an error naming them', async () => {
    forgetFileLines();
    const row = await db.receiptLines.get([kept.archiveId, 'L', 3]);
    if (!row) throw new Error('chunk 3 expected');
    const { pieces: _pieces, ...withoutPieces } = row;
    await expect(withFileLines(withoutPieces)).rejects.toThrow(
      `Line chunk 3 of ledger L does not say where its lines of ${PATH} lie: import the archive again.`,
    );
    const past = { ...row, pieces: [{ path: row.pieces?.[0]?.path ?? 1, offset: FILE.length, line: 1, span: 10 }] };
    await expect(withFileLines(past)).rejects.toThrow(`${PATH}, line 1: the stored copy cannot be read`);
  });

  it('stored, not deflated (method 0): kept as its bytes without points, every chunk read back as held', async () => {
    const heldStored = await importFile(false, FILE, Infinity, 0);
    for (const keep of [true, 'relayed'] as const) {
      const stored = await importFile(keep, FILE, Infinity, 0);
      expect(stored.points).toBe(0);
      expect(stored.chunks.every((c) => c.lines.bytes.length === 0 && c.inFiles?.paths[0] === PATH)).toBe(true);
      const files = stored.chunks.flatMap((c) => c.files ?? []);
      expect(files.map((f) => [f.path, f.method, f.resumable, f.size])).toEqual([[PATH, 0, true, FILE.length]]);
      if (keep === 'relayed')
        expect(Buffer.compare(new Uint8Array(await (files[0]?.blob as Blob).arrayBuffer()), FILE)).toBe(0);
      await expectReadBackAsHeld(stored, heldStored);
    }
  });

  it('a stored copy of another size, or whose bytes differ, gives no other line: an error naming the file and line', async () => {
    const stored = await importFile(true, FILE, Infinity, 0);
    const row = await db.segmentFiles.get([stored.archiveId, PATH]);
    if (!row?.blob) throw new Error('the stored file is kept as a blob of its own here');
    const chunkNo = Math.floor(stored.chunks.length / 2);
    try {
      await db.segmentFiles.put({ ...row, blob: row.blob.slice(0, row.blob.size - 1) });
      forgetFileLines();
      await expect(readLineChunk(stored.archiveId, 'L', chunkNo)).rejects.toThrow(
        new RegExp(`^${PATH}, line \\d+: the stored copy cannot be read \\(it holds ${FILE.length - 1} stored bytes`),
      );
      // Every quotation mark of the chunk's piece changed: its lines are not those verified at import.
      const piece = stored.chunks[chunkNo]?.pieces?.[0];
      if (!piece) throw new Error('the chunk says its piece');
      const changed = FILE.slice();
      for (let at = piece.offset; at < piece.offset + piece.span; at++) if (changed[at] === 0x22) changed[at] = 0x27;
      await db.segmentFiles.put({ ...row, blob: new Blob([changed]) });
      forgetFileLines();
      await expect(readLineChunk(stored.archiveId, 'L', chunkNo)).rejects.toThrow(
        new RegExp(`^${PATH}, line \\d+: the stored copy of the file does not give the line verified at import`),
      );
    } finally {
      await db.segmentFiles.put(row);
      forgetFileLines();
    }
  });

  it('only a large stored or deflated segment file is kept so, once; its points go with the next chunk', () => {
    const archive = new Blob([new Uint8Array(100)]);
    const large: StoredData = { offset: 10, compressedSize: 50, method: 8, crc32: 0, uncompressedSize: 5 << 20 };
    const keptFiles = new KeptFiles(archive);
    expect(new KeptFiles(null).resumePointsFor(PATH, large)).toBeTypeOf('function'); // relayed: recorded as read
    expect(keptFiles.resumePointsFor('policies/p.json', large)).toBeUndefined();
    expect(keptFiles.resumePointsFor(PATH, { ...large, method: 12 })).toBeUndefined(); // bzip2: not read back
    expect(new KeptFiles(archive).resumePointsFor(PATH, { ...large, method: 0 })).toBeTypeOf('function'); // stored
    expect(keptFiles.resumePointsFor(PATH, { ...large, uncompressedSize: 1000 })).toBeUndefined(); // small: kept whole
    expect(keptFiles.has(PATH)).toBe(false);
    const sink = keptFiles.resumePointsFor(PATH, large);
    expect(sink).toBeTypeOf('function');
    expect(keptFiles.has(PATH)).toBe(true);
    expect(keptFiles.resumePointsFor(PATH, large)).toBeUndefined(); // asked again: already kept
    const window = Uint8Array.of(1, 2, 3);
    sink?.({ bit: 81, out: 2 << 20, window });
    const chunk = (chunkNo: number): LineChunk => ({
      ledger: 'L',
      chunkNo,
      lines: { bytes: new Uint8Array(0), ends: new Uint32Array(1) },
      hashes: [''],
      places: { path: Uint32Array.of(1), line: Uint32Array.of(1), receiptIds: '\n' },
      inFiles: { ids: [1], paths: [PATH] },
    });
    const first = keptFiles.attach(chunk(0));
    expect(first.points).toEqual([{ path: PATH, bit: 81, out: 2 << 20, window }]);
    expect(first.files?.map((f) => [f.path, f.resumable, f.blob?.size])).toEqual([[PATH, true, 50]]);
    const second = keptFiles.attach(chunk(1));
    expect(second.points).toBeUndefined();
    expect(second.files).toBeUndefined();
  });
});

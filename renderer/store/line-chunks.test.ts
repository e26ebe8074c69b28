/**
 * Line chunks written a group at a time (archives.ts, putLineChunks): every chunk stored as
 * given whatever the grouping, in one transaction still (a chunk that fails leaves none of the
 * call's chunks), and the groups cut by bytes, in order, never empty.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { packTexts } from '../workers/packed-lines.ts';
import type { LineChunk } from '../workers/receipt-columns.ts';
import { beginImport, groupsOfBytes, putLineChunks } from './archives.ts';
import { db } from './db.ts';

/** A chunk of `lines` lines of about `lineBytes` bytes each. */
function chunk(chunkNo: number, lines: number, lineBytes: number): LineChunk {
  const texts = Array.from(
    { length: lines },
    (_, i) => `{"seq":${chunkNo * lines + i},"pad":"${'x'.repeat(lineBytes)}"}`,
  );
  return {
    ledger: 'L',
    chunkNo,
    lines: packTexts(texts),
    hashes: texts.map((_, i) => (chunkNo * lines + i).toString(16).padStart(64, '0')),
    places: {
      path: new Uint32Array(lines).fill(1),
      line: Uint32Array.from({ length: lines }, (_, i) => i + 1),
      receiptIds: texts.map(() => '\n').join(''),
    },
  };
}

describe('groupsOfBytes', () => {
  const size = (n: number) => n;

  it('keeps every item, in order, each group within the limit unless one item is larger', () => {
    const items = [300, 300, 300, 1200, 100, 100, 999, 1, 0, 1000];
    const groups = groupsOfBytes(items, size, 1000);
    expect(groups.flat()).toEqual(items);
    expect(groups).toEqual([[300, 300, 300], [1200], [100, 100], [999, 1, 0], [1000]]);
    for (const group of groups) {
      expect(group.length).toBeGreaterThan(0);
      if (group.length > 1) expect(group.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1000);
    }
  });

  it('gives no group for no items, and one for items within the limit', () => {
    expect(groupsOfBytes([], size, 10)).toEqual([]);
    expect(groupsOfBytes([1, 2, 3], size, 10)).toEqual([[1, 2, 3]]);
  });
});

describe('putLineChunks', () => {
  afterEach(() => vi.restoreAllMocks());

  /** Chunks of about 5.7 KB (lines and hashes), written about 12 KB at a time: two a group (the app writes about a MiB). */
  const LIMIT = 12_000;

  it('stores every chunk as given, a group of about the limit at a time', async () => {
    const archiveId = await beginImport({ name: 'x.zip', size: 1, origin: 'file', trustedRoots: [] });
    const chunks = Array.from({ length: 12 }, (_, i) => chunk(i, 20, 200));
    const bulkPut = vi.spyOn(db.receiptLines, 'bulkPut');
    await putLineChunks(archiveId, chunks, LIMIT);
    const groups = bulkPut.mock.calls.map(([rows]) => rows.length);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(12);
    expect(groups).toEqual([2, 2, 2, 2, 2, 2]);
    const stored = await db.receiptLines.where('archiveId').equals(archiveId).sortBy('chunkNo');
    expect(stored.map((row) => row.chunkNo)).toEqual(chunks.map((c) => c.chunkNo));
    stored.forEach((row, i) => {
      expect(row.lines?.bytes).toEqual(chunks[i]!.lines.bytes);
      expect(row.lines?.ends).toEqual(chunks[i]!.lines.ends);
      expect(row.hashes).toEqual(chunks[i]!.hashes);
      expect(row.places?.line).toEqual(chunks[i]!.places.line);
    });
  });

  it('a chunk that cannot be stored, in a later group, leaves none of the call stored', async () => {
    const archiveId = await beginImport({ name: 'y.zip', size: 1, origin: 'file', trustedRoots: [] });
    const chunks = Array.from({ length: 8 }, (_, i) => chunk(i, 20, 200));
    // Not a valid key: IndexedDB refuses the put, in the last group.
    chunks[7] = { ...chunks[7]!, chunkNo: Number.NaN };
    const bulkPut = vi.spyOn(db.receiptLines, 'bulkPut');
    await expect(putLineChunks(archiveId, chunks, LIMIT)).rejects.toThrow();
    expect(bulkPut.mock.calls.length).toBeGreaterThan(1);
    expect(await db.receiptLines.where('archiveId').equals(archiveId).count()).toBe(0);
  });
});

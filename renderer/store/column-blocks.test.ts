/**
 * Column blocks written together (archives.ts, putColumnBlocks): an archive of many small ledgers
 * is as many blocks, stored in one transaction, a group of about a MiB at a time (a full block,
 * 65,536 rows and some MB, alone in its put). Every block reads back as given; one that fails
 * leaves none of the call's blocks stored.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { importedTable } from '../workers/imported-table.test-helper.ts';
import type { ColumnBlock } from '../workers/receipt-columns.ts';
import { beginImport, PUT_BYTES_PER_TASK, putColumnBlocks } from './archives.ts';
import { db } from './db.ts';

/** Two ledgers of a block each. */
const { blocks } = importedTable(10, 7);

describe('putColumnBlocks', () => {
  afterEach(() => vi.restoreAllMocks());

  it('stores every block as given, in one transaction, a group of about the limit at a time', async () => {
    expect(blocks.map((b) => [b.ledger, b.count])).toEqual([
      ['a', 10],
      ['b', 7],
    ]);
    for (const [limit, groups] of [
      [PUT_BYTES_PER_TASK, [['a0', 'b0']]],
      [1, [['a0'], ['b0']]],
    ] as const) {
      const archiveId = await beginImport({ name: 'x.zip', size: 1, origin: 'file', trustedRoots: [] });
      const bulkPut = vi.spyOn(db.receiptIndex, 'bulkPut');
      const transaction = vi.spyOn(db, 'transaction');
      await putColumnBlocks(archiveId, blocks, limit);
      expect(transaction).toHaveBeenCalledTimes(1);
      expect(bulkPut.mock.calls.map(([rows]) => rows.map((r) => `${r.ledger}${r.blockNo}`))).toEqual(groups);
      const stored = await db.receiptIndex.where('archiveId').equals(archiveId).toArray();
      expect(stored).toHaveLength(2);
      for (const block of blocks)
        expect(stored.find((r) => r.ledger === block.ledger && r.blockNo === block.blockNo)).toEqual({
          ...block,
          archiveId,
        });
      vi.restoreAllMocks();
    }
  });

  it('puts small blocks about a MiB at a time', async () => {
    // 2,000 ledgers of a few receipts: as many blocks (copies of the two under new names).
    const many: ColumnBlock[] = Array.from({ length: 2000 }, (_, i) => ({ ...blocks[i % 2]!, ledger: `l${i}` }));
    const archiveId = await beginImport({ name: 'y.zip', size: 1, origin: 'file', trustedRoots: [] });
    const bulkPut = vi.spyOn(db.receiptIndex, 'bulkPut');
    await putColumnBlocks(archiveId, many);
    const groups = bulkPut.mock.calls.map(([rows]) => rows.length);
    expect(groups.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(groups.length).toBeGreaterThan(1);
    expect(groups.length).toBeLessThan(20);
    expect(PUT_BYTES_PER_TASK).toBe(1 << 20);
    expect(await db.receiptIndex.where('archiveId').equals(archiveId).count()).toBe(2000);
  });

  it('a block that cannot be stored, in a later group, leaves none of the call stored', async () => {
    const archiveId = await beginImport({ name: 'z.zip', size: 1, origin: 'file', trustedRoots: [] });
    // Not a valid key: IndexedDB refuses the put, in the last group.
    const bad = { ...blocks[1]!, blockNo: Number.NaN };
    const bulkPut = vi.spyOn(db.receiptIndex, 'bulkPut');
    await expect(putColumnBlocks(archiveId, [blocks[0]!, blocks[1]!, bad], 1)).rejects.toThrow();
    expect(bulkPut.mock.calls.length).toBe(3);
    expect(await db.receiptIndex.where('archiveId').equals(archiveId).count()).toBe(0);
  });
});

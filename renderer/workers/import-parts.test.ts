import { describe, expect, it } from 'vitest';
import { ColumnBuilder, ROWS_PER_BLOCK, type ColumnBlock } from './receipt-columns.ts';
import { ExplorerStringsJoiner, buildReceiptTable, receiptIdOf, txnOf, type ReceiptTable } from './receipt-table.ts';
import { buildPointIndex } from './point-index.ts';
import {
  ImportPartsCollector,
  blockParts,
  indexParts,
  type AheadMessage,
  type DoneParts,
  type PartToPost,
} from './import-parts.ts';
import { importedTable as imported } from './imported-table.test-helper.ts';

/**
 * The whole end of an import, as the workers post it: the blocks ({@link blockParts}), then the
 * point index's buckets and what `done` carries ({@link indexParts}).
 */
function importParts(
  blocks: readonly ColumnBlock[],
  table: ReceiptTable,
  pointIndex: ReturnType<typeof buildPointIndex>,
): { ahead: PartToPost[]; done: DoneParts; transfer: ArrayBuffer[] } {
  const ahead = blockParts(blocks, table);
  const rest = indexParts(blocks.length, table, pointIndex);
  return { ahead: [...ahead, ...rest.ahead], done: rest.done, transfer: rest.transfer };
}

/** Deep equality that compares typed arrays by their bytes (vitest's toEqual walks them element by element: seconds here). */
function expectSame(actual: unknown, expected: unknown, path = ''): void {
  if (ArrayBuffer.isView(expected)) {
    expect(ArrayBuffer.isView(actual), path).toBe(true);
    const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    expect(actual?.constructor, path).toBe(expected.constructor);
    expect(bytes(actual as ArrayBufferView).equals(bytes(expected)), path).toBe(true);
  } else if (expected instanceof Map) {
    expect([...(actual as Map<unknown, unknown>)], path).toEqual([...expected]);
  } else if (Array.isArray(expected) && expected.every((v) => typeof v === 'string')) {
    expect((actual as string[]).join('\n'), path).toBe(expected.join('\n'));
    expect((actual as string[]).length, path).toBe(expected.length);
  } else if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), path).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected))
      expectSame((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else expect(actual, path).toBe(expected);
}

/** Posts the parts as a worker does (each message cloned, its buffers moved) and joins them as the window does. */
function postAndJoin(parts: ReturnType<typeof importParts>, drop?: (m: AheadMessage, i: number) => boolean) {
  const collector = new ImportPartsCollector();
  parts.ahead.forEach(({ message, transfer }, i) => {
    const received = structuredClone(message, { transfer });
    if (!drop?.(message, i)) collector.receive(received);
  });
  const done = structuredClone(parts.done, { transfer: parts.transfer }) as DoneParts;
  return { collector, done };
}

describe('the point index built with its progress', () => {
  it('tells how far it is, counting up through both passes over the rows to twice the rows, and builds the same index', () => {
    const { table, pointIndex } = imported();
    const told: [number, number][] = [];
    const again = buildPointIndex(table, (done, of) => told.push([done, of]), 1000);
    expectSame(again, pointIndex);
    const of = 2 * table.count;
    expect(told.every(([, o]) => o === of)).toBe(true);
    const dones = told.map(([d]) => d);
    for (let i = 1; i < dones.length; i++) expect(dones[i]).toBeGreaterThan(dones[i - 1]!);
    expect(dones.at(-1)).toBe(of);
    expect(dones[0]).toBe(1000);
    // Every 1,000 rows of each pass: both passes' steps, and the end.
    expect(told.length).toBe(Math.ceil(table.count / 1000) - 1 + Math.ceil(table.count / 1000) + 1);
    expect(dones).toContain(table.count);
  });

  it('tells nothing for a table without the columns it indexes (there is no index to build)', () => {
    const { table } = imported(10, 2);
    const told: number[] = [];
    expect(buildPointIndex({ ...table, missing: ['receiptId'] }, (d) => told.push(d))).toBeNull();
    expect(told).toEqual([]);
  });
});

describe('importParts and ImportPartsCollector', () => {
  it('send every block and bucket ahead, and the window gets back the same blocks, table and point index', () => {
    const original = imported();
    // Kept before posting: posting moves the buffers out of the originals.
    const expected = structuredClone(original);
    expect(original.blocks.filter((b) => b.ledger === 'a')).toHaveLength(2);
    const parts = importParts(original.blocks, original.table, original.pointIndex);
    expect(parts.ahead.filter((p) => p.message.type === 'block')).toHaveLength(original.blocks.length);
    // `done` holds none of the strings the blocks hold.
    expect(JSON.stringify(Object.keys(parts.done.table))).not.toMatch(/txnIds|receiptIdText/);
    const { collector, done } = postAndJoin(parts);
    // Every buffer was moved, none copied.
    expect(original.table.hashes.byteLength).toBe(0);
    expect((original.blocks[0] as ColumnBlock).seq.byteLength).toBe(0);
    const joined = collector.join(done);
    expectSame(joined.blocks, expected.blocks);
    expectSame(joined.pointIndex, expected.pointIndex);
    expectSame(joined.table, expected.table);
    const t = joined.table;
    expect(receiptIdOf(t, ROWS_PER_BLOCK + 2)).toBe(`rc_a_${ROWS_PER_BLOCK + 3}`);
    expect(txnOf(t, t.count - 1)).toBe('tx_b_2');
  });

  it('the blocks posted before the point index is built leave the table whole: the index and the join are the same', () => {
    const original = imported();
    const expected = structuredClone(original);
    const collector = new ImportPartsCollector();
    // As the workers do: the blocks go first (their buffers moved out), then the index is built from the table.
    const blocks = blockParts(original.blocks, original.table);
    expect(blocks.map((p) => p.message.type)).toEqual(original.blocks.map(() => 'block'));
    for (const { message, transfer } of blocks) collector.receive(structuredClone(message, { transfer }));
    expect((original.blocks[0] as ColumnBlock).seq.byteLength).toBe(0);
    const pointIndex = buildPointIndex(original.table);
    expectSame(pointIndex, expected.pointIndex);
    const rest = indexParts(original.blocks.length, original.table, pointIndex);
    expect(rest.ahead.every((p) => p.message.type === 'lookup')).toBe(true);
    for (const { message, transfer } of rest.ahead) collector.receive(structuredClone(message, { transfer }));
    const joined = collector.join(structuredClone(rest.done, { transfer: rest.transfer }) as DoneParts);
    expectSame(joined.blocks, expected.blocks);
    expectSame(joined.table, expected.table);
    expectSame(joined.pointIndex, expected.pointIndex);
  });

  it('a table without explorer columns (blocks stored before them) comes back with empty ids', () => {
    const original = imported(5, 3);
    const bare = original.blocks.map(({ txn: _t, txnIds: _ids, receiptIds: _r, ...rest }) => rest as ColumnBlock);
    const table = buildReceiptTable(bare, original.table.dictionaries, { a: 5, b: 3 }, []);
    const expected = structuredClone(table);
    const { collector, done } = postAndJoin(importParts(bare, table, null));
    expectSame(collector.join(done).table, expected);
    expect(expected.missing).toContain('receiptId');
  });

  it('refuses, naming what is missing, when a block or a group of buckets did not arrive', () => {
    const original = imported(10, 4);
    const lost = postAndJoin(importParts(original.blocks, original.table, original.pointIndex), (m, i) => i === 1);
    expect(() => lost.collector.join(lost.done)).toThrow(/1 of the table's 2 column blocks arrived/);
    const again = imported(10, 4);
    const parts = importParts(again.blocks, again.table, again.pointIndex);
    const last = parts.ahead.length - 1;
    const noLookup = postAndJoin(parts, (m, i) => m.type === 'lookup' && i === last);
    expect(() => noLookup.collector.join(noLookup.done)).toThrow(/point index arrived incomplete/);
  });

  it("refuses blocks whose receipt ids or transactions do not fit the table's", () => {
    const mine = imported(10, 4);
    const other = imported(12, 4);
    const done = structuredClone(importParts(mine.blocks, mine.table, null).done) as DoneParts;
    const collector = new ImportPartsCollector();
    for (const block of other.blocks) collector.receive({ type: 'block', block });
    expect(() => collector.join(done)).toThrow();
    // Same row counts, fewer transaction ids than the table names.
    const fewer = imported(10, 4);
    const cut = fewer.blocks.map((b) => ({ ...b, txnIds: (b.txnIds as string[]).slice(0, 2) }) as ColumnBlock);
    const c2 = new ImportPartsCollector();
    for (const block of cut) c2.receive({ type: 'block', block });
    expect(() => c2.join(done)).toThrow(/the blocks hold 2 transaction ids; the table had \d+/);
  });

  it('blocks that come out of row order are placed, and the table is the same', () => {
    const original = imported(ROWS_PER_BLOCK + 4, 7);
    const expected = structuredClone(original.table);
    const parts = importParts(original.blocks, original.table, null);
    // The worker sends them in row order: ledger a's two blocks, then b's.
    expect(
      parts.ahead.map((p) => p.message.type === 'block' && [p.message.block.ledger, p.message.block.start]),
    ).toEqual([
      ['a', 0],
      ['a', ROWS_PER_BLOCK],
      ['b', 0],
    ]);
    const collector = new ImportPartsCollector();
    for (const { message } of [...parts.ahead].reverse()) collector.receive(message);
    expectSame(collector.join(parts.done).table, expected);
  });

  it('the joiner leaves rows no block covers without an id', () => {
    const { blocks } = imported(3, 2);
    const joiner = new ExplorerStringsJoiner();
    joiner.add(blocks.find((b) => b.ledger === 'a') as ColumnBlock, 1);
    const { txnIds, receiptIdText } = joiner.finish(6);
    expect(receiptIdText).toBe('\n\nrc_a_1\nrc_a_2\nrc_a_3\n\n\n');
    expect(txnIds).toEqual(['', 'tx_a_0', 'tx_a_1']);
    expect(() => joiner.add(blocks[0] as ColumnBlock, 0)).toThrow(/out of row order/);
  });

  it('a table with no rows', () => {
    const builder = new ColumnBuilder();
    const { blocks, dictionaries, rowsByLedger } = builder.finish();
    const table: ReceiptTable = buildReceiptTable(blocks, dictionaries, { ...rowsByLedger, a: 0 }, []);
    const { collector, done } = postAndJoin(importParts(blocks, table, buildPointIndex(table)));
    expect(collector.join(done).table.count).toBe(0);
  });
});

/**
 * The reconstruction view's two row sources answer alike: the whole table in memory, and the
 * store read through the point index (a receipt found after a reload without reading every
 * block). An archive stored through the import's own `completeImport`, in fake-indexeddb's
 * IndexedDB: two ledgers, one longer than a column block (65,536 rows), its segments stored
 * out of name order, a transaction across the block boundary, a repeated id, a line that is
 * not a receipt, findings on lines, on a seq and on a file. Every row, id and transaction is
 * asked of both; the gathered materials of the receipts at every edge are compared whole.
 */
import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/engine/findings.ts';
import type { RecordRead, VerifyReport } from '../../../shared/engine/types.ts';
import type { Receipt } from '../../../shared/format/schema.ts';
import { beginImport, completeImport, putLineChunks, type LoadedArchive } from '../../store/archives.ts';
import { db, type ReceiptLinesRow } from '../../store/db.ts';
import {
  buildPointIndex,
  bucketCount,
  bucketOf,
  IDS_PER_BUCKET,
  POINT_INDEX_LAYOUT,
  rowOfId,
  rowsOfTxn,
  txnKey,
  type LookupBucket,
} from '../../workers/point-index.ts';
import {
  ColumnBuilder,
  LEGACY_LINES_PER_CHUNK,
  LINES_PER_CHUNK,
  ROWS_PER_BLOCK,
} from '../../workers/receipt-columns.ts';
import { packTexts, storedLines } from '../../workers/packed-lines.ts';
import { buildReceiptTable, receiptIdOf, txnOf } from '../../workers/receipt-table.ts';
import { gatherMaterials, locateReceipt } from './gather.ts';
import { pointIndexUsable, storeSource, tableSource, type RowSource } from './row-source.ts';

function receipt(ledger: string, seq: number, id: string, txn: string, step: number): Receipt {
  return {
    v: 1,
    ledger,
    seq,
    id,
    ts: new Date(Date.UTC(2026, 3, 1) + seq * 1000).toISOString(),
    agent: { id: 'agent', role: 'r', tier: 1 },
    txn: { id: txn, step, end: 'commit' },
    request: { action: { type: 'Action', id: 'db.read' }, resource: { type: 'Table', id: 't' } },
    data: { tier: 1, personal: [], subjects: [], recipient: null },
    decision: { effect: 'allow' },
    exec: { status: 'ok' },
  } as unknown as Receipt;
}

const SEGMENT = (ledger: string, n: number) => `ledgers/${ledger}/${String(n).padStart(6, '0')}.jsonl`;
// Ledger "big": segments of 30,000, 40,000 and 5,000 lines (rows 0..74,999 cross a block at
// 65,536), stored in the order 2, 1, 3. Ledger "small": one segment of 50 lines.
const BIG_SEGMENTS: [number, number][] = [
  [2, 40_000],
  [1, 30_000],
  [3, 5_000],
];
const records: RecordRead[] = [];
const seqStart = new Map([
  [1, 1],
  [2, 30_001],
  [3, 70_001],
]);
for (const [n, lines] of BIG_SEGMENTS) {
  for (let line = 1; line <= lines; line++) {
    const seq = (seqStart.get(n) as number) + line - 1;
    // Transactions of three steps (tx_10000 is seq 30,000 of segment 1 and seqs 30,001 and
    // 30,002 of segment 2); one id repeated (seq 5 and seq 60,000); seq 100 is not a receipt.
    const id = seq === 60_000 ? 'rc_5' : `rc_${seq}`;
    const r = seq === 100 ? null : receipt('big', seq, id, `tx_${Math.floor(seq / 3)}`, (seq % 3) + 1);
    records.push({
      ledger: 'big',
      path: SEGMENT('big', n),
      line,
      text: r ? JSON.stringify(r) : '{"not":"a receipt"}',
      hash: `sha256:${seq.toString(16).padStart(64, '0')}`,
      receipt: r,
    });
  }
}
for (let line = 1; line <= 50; line++) {
  const r = receipt('small', line, `rs_${line}`, `tx_${Math.floor(line / 3)}`, (line % 3) + 1);
  records.push({
    ledger: 'small',
    path: SEGMENT('small', 1),
    line,
    text: JSON.stringify(r),
    hash: `sha256:${(line + 1_000_000).toString(16).padStart(64, '0')}`,
    receipt: r,
  });
}

const findings: Finding[] = [
  { code: 'SIGNATURE_INVALID', severity: 'critical', message: 'on a line', path: SEGMENT('big', 2), line: 7 },
  { code: 'SEQ_GAP', severity: 'critical', message: 'by seq', ledger: 'small', seq: 9 },
  { code: 'FILE_HASH_MISMATCH', severity: 'critical', message: 'on a file', path: SEGMENT('big', 3) },
  { code: 'CHAIN_BROKEN', severity: 'critical', message: 'on the last line', path: SEGMENT('big', 3), line: 5_000 },
] as Finding[];

/**
 * Ledger big's checkpoints: one every 100 seqs, with a line that is not JSON, one repeated
 * out of order, and a final one past the last receipt (750 + 3 lines, 4 pieces of 250).
 */
const CHECKPOINTS =
  [
    ...Array.from({ length: 400 }, (_, i) => `{"seq":${(i + 1) * 100}}`),
    'not json',
    '{"seq":30000}',
    ...Array.from({ length: 350 }, (_, i) => `{"seq":${(i + 401) * 100}}`),
    '{"seq":80000}',
  ].join('\n') + '\n';

let loaded: LoadedArchive;
let fromTable: RowSource;
let fromStore: RowSource;
/** What completeImport said it had written, part by part. */
const saved: [number, number][] = [];

beforeAll(async () => {
  const builder = new ColumnBuilder();
  const archiveId = await beginImport({ name: 'rows.zip', size: 1, origin: 'file', trustedRoots: [] });
  for (const r of records) {
    const chunk = builder.add(r);
    if (chunk) await putLineChunks(archiveId, [chunk]);
  }
  await putLineChunks(archiveId, builder.flush());
  const { blocks, dictionaries, rowsByLedger } = builder.finish();
  const table = buildReceiptTable(blocks, dictionaries, rowsByLedger, findings);
  const report = {
    archive: null,
    ledgers: [
      { ledger: 'big', segments: [1, 2, 3].map((n) => SEGMENT('big', n)), sealedSeq: 75_000, state: 'sealed' },
      { ledger: 'small', segments: [SEGMENT('small', 1)], sealedSeq: 50, state: 'sealed' },
    ],
    bundles: [],
    checks: [],
    findings,
  } as unknown as VerifyReport;
  loaded = await completeImport(
    archiveId,
    {
      report,
      blocks,
      dictionaries,
      rowsByLedger,
      keys: [],
      pointIndex: buildPointIndex(table),
      files: [
        {
          path: 'ledgers/big/checkpoints.jsonl',
          kind: 'checkpoints',
          size: CHECKPOINTS.length,
          sha256: 'sha256:' + '0'.repeat(64),
          bytes: new TextEncoder().encode(CHECKPOINTS),
        },
      ],
    },
    table,
    () => false,
    (done, of) => saved.push([done, of]),
  );
  const stored = await db.archives.get(archiveId);
  fromTable = tableSource(loaded);
  fromStore = storeSource(stored as Parameters<typeof storeSource>[0]);
}, 60_000);

afterAll(async () => {
  await db.delete();
});

it('completeImport counts the parts it writes, from 0 to all of them, one at a time', () => {
  const of = saved[0]![1];
  // The column blocks, the point index's puts and the final transaction.
  expect(of).toBeGreaterThanOrEqual(3);
  expect(saved).toEqual(Array.from({ length: of + 1 }, (_, i) => [i, of]));
});

describe('the point index', () => {
  it('is stored with the archive: its buckets, segment ranges and each finding’s row', async () => {
    const stored = await db.archives.get(loaded.archive.id);
    expect(stored?.lookup?.layout).toBe(POINT_INDEX_LAYOUT);
    expect(stored?.lookup?.buckets).toBe(bucketCount(75_050));
    expect(bucketCount(75_050)).toBe(Math.ceil(75_050 / IDS_PER_BUCKET));
    expect(await db.receiptLookup.where('archiveId').equals(loaded.archive.id).count()).toBe(bucketCount(75_050));
    // Rows in stored order: segment 2 (rows 0..39,999), 1, 3; then ledger small. Path ids
    // index the archive's path dictionary (0 is "none").
    expect(stored?.dictionaries?.paths).toEqual(['', ...[2, 1, 3].map((n) => SEGMENT('big', n)), SEGMENT('small', 1)]);
    expect(stored?.lookup?.segments).toEqual({
      big: [
        { path: 1, first: 0, last: 39_999 },
        { path: 2, first: 40_000, last: 69_999 },
        { path: 3, first: 70_000, last: 74_999 },
      ],
      small: [{ path: 4, first: 75_000, last: 75_049 }],
    });
    const rows = (await db.findings.where('archiveId').equals(loaded.archive.id).toArray())[0]?.rows;
    // Line 7 of segment 2 is row 6; seq 9 of small is row 75,008; the file is on no row;
    // line 5,000 of segment 3 is the ledger's last row.
    expect([...(rows ?? [])]).toEqual([6, 75_008, -1, 74_999]);
  });

  it('is used only when complete and of this layout; else the archive is read whole', async () => {
    const stored = await db.archives.get(loaded.archive.id);
    expect(pointIndexUsable(stored)).toBe(true);
    const lookup = stored?.lookup as NonNullable<NonNullable<typeof stored>['lookup']>;
    expect(pointIndexUsable(stored && { ...stored, lookup: { ...lookup, layout: POINT_INDEX_LAYOUT + 1 } })).toBe(
      false,
    );
    expect(pointIndexUsable(stored && { ...stored, lookup: undefined })).toBe(false);
    expect(pointIndexUsable(stored && { ...stored, status: 'importing' })).toBe(false);
    expect(pointIndexUsable(undefined)).toBe(false);
  });

  it('has no index for a table without receipt ids (an older import): the whole table is read', () => {
    expect(buildPointIndex({ ...loaded.table, missing: ['receiptId'] })).toBeNull();
    expect(buildPointIndex({ ...loaded.table, missing: ['transaction'] })).toBeNull();
  });
});

describe('the store answers as the table does', () => {
  it('for every row: ledger, segment, line and receipt id', async () => {
    expect(fromStore.count).toBe(fromTable.count);
    const mismatches: number[] = [];
    for (let from = 0; from < fromTable.count; from += 5_000) {
      const rows = Array.from({ length: Math.min(5_000, fromTable.count - from) }, (_, i) => from + i);
      await fromStore.load(rows);
      for (const row of rows) {
        const a = [fromTable.ledgerOf(row), fromTable.pathAt(row), fromTable.lineAt(row), fromTable.receiptIdAt(row)];
        const b = [fromStore.ledgerOf(row), fromStore.pathAt(row), fromStore.lineAt(row), fromStore.receiptIdAt(row)];
        if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(row);
      }
    }
    expect(mismatches).toEqual([]);
    // Seq 100 (line 100 of segment 1) is not a receipt.
    await fromStore.load([40_099]);
    expect(fromStore.receiptIdAt(40_099)).toBe('');
    expect(fromStore.ledgerOf(75_000)).toEqual({ ledger: 'small', local: 0 });
    expect(() => fromStore.ledgerOf(75_050)).toThrow('No row 75050');
  });

  it('for every receipt id and every transaction: the rows the table gives', async () => {
    // Every key is checked against the stored buckets read once (one store read per key takes
    // minutes in fake-indexeddb); a spread of keys goes through the source's own lookups.
    const buckets = new Map(
      (await db.receiptLookup.where('archiveId').equals(loaded.archive.id).toArray()).map((b) => [b.bucket, b]),
    );
    const count = bucketCount(loaded.table.count);
    const bucket = (key: string) => buckets.get(bucketOf(key, count)) as LookupBucket;
    // What the lookups must give, by a plain pass over the table: each id's first row, each
    // (ledger, transaction)'s rows.
    const firstRow = new Map<string, number>();
    const txnRows = new Map<string, { ledger: string; txn: string; rows: number[] }>();
    const spread: { id: string; ledger: string; txn: string }[] = [];
    for (let row = 0; row < loaded.table.count; row++) {
      const id = receiptIdOf(loaded.table, row);
      if (id !== '' && !firstRow.has(id)) firstRow.set(id, row);
      const txn = txnOf(loaded.table, row);
      const { ledger } = fromTable.ledgerOf(row);
      if (txn !== '') {
        const key = JSON.stringify([ledger, txn]);
        const known = txnRows.get(key);
        if (known) known.rows.push(row);
        else txnRows.set(key, { ledger, txn, rows: [row] });
      }
      if (row % 997 === 0) spread.push({ id, ledger, txn });
    }
    const wrong: string[] = [];
    for (const [id, row] of firstRow) if (rowOfId(bucket(id), id) !== row) wrong.push(`id ${id}`);
    for (const { ledger, txn, rows } of txnRows.values())
      if (JSON.stringify(rowsOfTxn(bucket(txnKey(ledger, txn)), ledger, txn)) !== JSON.stringify(rows))
        wrong.push(`${ledger} ${txn}`);
    expect(wrong).toEqual([]);
    expect([firstRow.size, txnRows.size]).toEqual([75_050 - 2, 25_001 + 17]);
    for (const { id, ledger, txn } of spread) {
      expect(await fromStore.findRow(id)).toBe(await fromTable.findRow(id));
      expect(await fromStore.transactionRows(ledger, txn)).toEqual(await fromTable.transactionRows(ledger, txn));
    }
    // rc_5 is seq 5 (segment 1, row 40,004) and again seq 60,000 (segment 2, row 29,999): the first row.
    expect(await fromStore.findRow('rc_5')).toBe(29_999);
    expect(await fromStore.findRow('rc_nope')).toBeUndefined();
    expect(await fromStore.findRow('')).toBeUndefined();
    // tx_8512 is seqs 25,536..25,538 of segment 1: rows 65,535..65,537, across the block boundary.
    expect(ROWS_PER_BLOCK).toBe(40_000 + 25_536);
    expect(await fromStore.transactionRows('big', 'tx_8512')).toEqual([65_535, 65_536, 65_537]);
    // The same transaction id in the other ledger is another transaction.
    expect(await fromStore.transactionRows('small', 'tx_0')).toEqual([75_000, 75_001]);
    expect(await fromStore.transactionRows('big', 'tx_nope')).toEqual([]);
    expect(await fromStore.transactionRows('big', '')).toEqual([]);
  });

  it('for segment ranges and findings', async () => {
    for (const ledger of ['big', 'small', 'absent'])
      expect([...(await fromStore.segmentRanges(ledger))]).toEqual([...(await fromTable.segmentRanges(ledger))]);
    const [a, b] = [await fromTable.findings(), await fromStore.findings()];
    expect(b.findings).toEqual(a.findings);
    expect(Array.from(b.findingRow)).toEqual(Array.from(a.findingRow));
  });

  it('gathers the same materials for receipts at every edge', async () => {
    const rows = [
      0, // line 1 of segment 2: the line before is segment 1's last (row 69,999)
      6, // a finding on its line
      29_999, // the repeated id
      39_999, // segment 2's last line: the next is segment 3's first (row 70,000)
      40_000, // the ledger's first line
      65_535, // a transaction across the block boundary
      65_536,
      69_999, // segment 1's last line: next is segment 2's first (row 0)
      74_999, // the ledger's last line
      75_000, // another ledger
      75_049,
    ];
    for (const row of rows) {
      const { ms: _a, phases: _pa, ...a } = await gatherMaterials(fromTable, row);
      const { ms: _b, phases: _pb, ...b } = await gatherMaterials(fromStore, row);
      expect({ at: row, ...b }).toEqual({ at: row, ...a });
    }
    const first = await gatherMaterials(fromStore, 40_000);
    expect(first.previous).toBeNull();
    expect(first.next).toEqual({ row: 40_001, receiptId: 'rc_2' });
    const joined = await gatherMaterials(fromStore, 0);
    expect(joined.previous).toEqual({ row: 69_999, receiptId: 'rc_30000' });
    // tx_10000: seq 30,000 (segment 1's last line), then 30,001 and 30,002 (segment 2's first two).
    expect([...joined.stepRows.values()].map((r) => r.row)).toEqual([69_999, 0, 1]);
    const last = await gatherMaterials(fromStore, 74_999);
    expect(last.findings.receipt.map((f) => f.code)).toEqual(['CHAIN_BROKEN']);
    expect(last.findings.evidence.map((f) => f.code)).toEqual(['FILE_HASH_MISMATCH']);
    expect(last.next).toBeNull();
  });

  it('finds the receipt an address names, as the table does', async () => {
    const cases: [string, number | undefined][] = [
      ['rc_5', undefined],
      ['rc_5', 40_004],
      ['rc_5', 7],
      ['rc_5', 10_000_000],
      ['', 99],
      ['rc_nope', undefined],
      ['', undefined],
      ['rs_3', 75_002],
    ];
    for (const [id, row] of cases)
      expect({ id, row, at: await locateReceipt(fromStore, id, row) }).toEqual({
        id,
        row,
        at: await locateReceipt(fromTable, id, row),
      });
    expect(await locateReceipt(fromStore, 'rc_5', 40_004)).toEqual({ ok: true, row: 40_004 });
  });

  it('says so when a row was not read, and keeps the chunks each load asked for', async () => {
    const fresh = storeSource((await db.archives.get(loaded.archive.id)) as Parameters<typeof storeSource>[0]);
    expect(() => fresh.lineAt(0)).toThrow('Row 0 was not read from the store (call load first).');
    await fresh.load([75_000]);
    expect(fresh.lineAt(75_000)).toBe(1);
    // Twenty chunks at once (more than the sixteen kept between loads): all kept for this load.
    const rows = Array.from({ length: 20 }, (_, k) => k * 1_000 + 999);
    await fresh.load(rows);
    expect(rows.map((r) => fresh.lineAt(r))).toEqual(rows.map((r) => fromTable.lineAt(r)));
    // The next load forgets those read longest ago beyond sixteen, never one it asks for.
    await fresh.load([65_536]);
    expect(fresh.lineAt(65_536)).toBe(25_537);
    expect(() => fresh.lineAt(999)).toThrow('Row 999 was not read');
    expect(fresh.lineAt(19_999)).toBe(fromTable.lineAt(19_999));
  });

  it('places a row from its line chunk alone, reading no column block', async () => {
    const fresh = storeSource((await db.archives.get(loaded.archive.id)) as Parameters<typeof storeSource>[0]);
    const read = { blocks: 0 };
    const get = db.receiptIndex.get.bind(db.receiptIndex);
    db.receiptIndex.get = ((...args: Parameters<typeof get>) => {
      read.blocks++;
      return get(...args);
    }) as typeof get;
    try {
      await locateReceipt(fresh, '', 65_536);
      const gathered = await gatherMaterials(fresh, 65_536);
      const { ms: _a, phases: _pa, ...a } = await gatherMaterials(fromTable, 65_536);
      const { ms: _b, phases: _pb, ...b } = gathered;
      expect(b).toEqual(a);
    } finally {
      db.receiptIndex.get = get;
    }
    expect(read.blocks).toBe(0);
  });
});

describe('a ledger’s checkpoints stored in pieces', () => {
  it('are cut into pieces of 250 lines, summed up on the archive row', async () => {
    const stored = await db.archives.get(loaded.archive.id);
    expect(stored?.checkpointPieces?.['big']?.lines).toBe(753);
    // Lines 251–500 hold seqs up to 40,000, the repeated 30,000 and 40,100–49,800.
    expect(stored?.checkpointPieces?.['big']?.maxSeq).toEqual([25_000, 49_800, 74_800, 80_000]);
    expect(stored?.checkpointPieces?.['small']).toBeUndefined();
    expect(await db.checkpointPieces.where('archiveId').equals(loaded.archive.id).count()).toBe(4);
  });

  it('give the materials the whole file gives, reading one piece and not the file', async () => {
    const row = (await db.archives.get(loaded.archive.id)) as Parameters<typeof storeSource>[0];
    const { checkpointPieces: _pieces, ...withoutPieces } = row;
    const whole = storeSource(withoutPieces as Parameters<typeof storeSource>[0]);
    const piecewise = storeSource(row);
    const reads = { file: 0, pieces: [] as number[] };
    const getFile = db.archiveFiles.get.bind(db.archiveFiles);
    const getPiece = db.checkpointPieces.get.bind(db.checkpointPieces);
    // Rows of seq 30,001 (row 0: sealed in the piece that also holds the line that is not JSON
    // and the repeated checkpoint), 59,999, 100 (row 40,099: not a receipt, nothing read), 1,
    // 75,000 (the ledger's last: sealed in the last piece) and small's first.
    for (const at of [0, 29_998, 40_099, 40_000, 74_999, 75_000]) {
      const { ms: _a, phases: _pa, ...a } = await gatherMaterials(whole, at);
      db.archiveFiles.get = ((...args: Parameters<typeof getFile>) => {
        if (JSON.stringify(args[0]).includes('checkpoints')) reads.file++;
        return getFile(...args);
      }) as typeof getFile;
      db.checkpointPieces.get = ((...args: Parameters<typeof getPiece>) => {
        reads.pieces.push((args[0] as [string, string, number])[2]);
        return getPiece(...args);
      }) as typeof getPiece;
      try {
        const { ms: _b, phases: _pb, ...b } = await gatherMaterials(piecewise, at);
        expect({ at, ...b }).toEqual({ at, ...a });
      } finally {
        db.archiveFiles.get = getFile;
        db.checkpointPieces.get = getPiece;
      }
    }
    const sealed = await gatherMaterials(piecewise, 0);
    expect(sealed.materials.checkpointLines).toHaveLength(753);
    expect(sealed.materials.checkpointLines.filter((l) => l !== '')).toEqual(['{"seq":30100}']);
    // The small ledger has no checkpoints file: its file row is asked for (and is absent).
    expect(reads.file).toBe(1);
    expect(reads.pieces).toEqual([1, 2, 0, 3]);
  });
});

/**
 * Rewrites the archive's stored line chunks into chunks of `size` lines (packed, with their
 * places) and drops `linesPerChunk` from its row: the layout of archives imported before the
 * number was stored, whose chunks hold 1,000 lines.
 */
async function rechunkAsLegacy(archiveId: string, size: number): Promise<number> {
  const rows = await db.receiptLines.where('archiveId').equals(archiveId).toArray();
  const byLedger = new Map<string, typeof rows>();
  for (const r of rows) byLedger.set(r.ledger, [...(byLedger.get(r.ledger) ?? []), r]);
  const out: ReceiptLinesRow[] = [];
  for (const [ledger, chunks] of byLedger) {
    chunks.sort((a, b) => a.chunkNo - b.chunkNo);
    const texts = chunks.flatMap((c) => storedLines(c));
    const hashes = chunks.flatMap((c) => c.hashes);
    const path = chunks.flatMap((c) => [...(c.places?.path ?? [])]);
    const line = chunks.flatMap((c) => [...(c.places?.line ?? [])]);
    const ids = chunks.flatMap((c) => (c.places?.receiptIds ?? '').split('\n').slice(0, -1));
    for (let start = 0, chunkNo = 0; start < texts.length; start += size, chunkNo++)
      out.push({
        archiveId,
        ledger,
        chunkNo,
        lines: packTexts(texts.slice(start, start + size)),
        hashes: hashes.slice(start, start + size),
        places: {
          path: Uint32Array.from(path.slice(start, start + size)),
          line: Uint32Array.from(line.slice(start, start + size)),
          receiptIds: ids.slice(start, start + size).join('\n') + '\n',
        },
      });
  }
  await db.transaction('rw', db.receiptLines, db.archives, async () => {
    await db.receiptLines.where('archiveId').equals(archiveId).delete();
    await db.receiptLines.bulkPut(out);
    await db.archives
      .where('id')
      .equals(archiveId)
      .modify((a) => {
        delete a.linesPerChunk;
      });
  });
  return out.length;
}

describe('an archive stored in chunks of 1,000 lines, its row not saying so (imported before the number was stored)', () => {
  let legacy: RowSource;
  const GATHERED_ROWS = [0, 999, 1_000, 39_999, 65_535, 65_536, 74_999, 75_000, 75_049];
  beforeAll(async () => {
    const stored = await db.archives.get(loaded.archive.id);
    expect(stored?.linesPerChunk).toBe(LINES_PER_CHUNK);
    expect(LINES_PER_CHUNK).not.toBe(LEGACY_LINES_PER_CHUNK);
    const before = await db.receiptLines.where('archiveId').equals(loaded.archive.id).count();
    const after = await rechunkAsLegacy(loaded.archive.id, LEGACY_LINES_PER_CHUNK);
    // 75,000 + 50 lines: 75 + 1 chunks of 1,000 instead of 300 + 1 of 250.
    expect([before, after]).toEqual([301, 76]);
    const row = (await db.archives.get(loaded.archive.id)) as Parameters<typeof storeSource>[0];
    expect(row.linesPerChunk).toBeUndefined();
    legacy = storeSource(row);
  });

  it('is read in chunks of 1,000: every row placed, and the same materials gathered', async () => {
    expect(legacy.linesPerChunk).toBe(LEGACY_LINES_PER_CHUNK);
    const mismatches: number[] = [];
    for (let from = 0; from < fromTable.count; from += 5_000) {
      const rows = Array.from({ length: Math.min(5_000, fromTable.count - from) }, (_, i) => from + i);
      await legacy.load(rows);
      for (const row of rows) {
        const a = [fromTable.pathAt(row), fromTable.lineAt(row), fromTable.receiptIdAt(row)];
        const b = [legacy.pathAt(row), legacy.lineAt(row), legacy.receiptIdAt(row)];
        if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(row);
      }
    }
    expect(mismatches).toEqual([]);
    const whole = tableSource({ ...loaded, archive: { ...loaded.archive, linesPerChunk: undefined } });
    expect(whole.linesPerChunk).toBe(LEGACY_LINES_PER_CHUNK);
    for (const row of GATHERED_ROWS) {
      const { ms: _a, phases: _pa, ...a } = await gatherMaterials(whole, row);
      const { ms: _b, phases: _pb, ...b } = await gatherMaterials(legacy, row);
      expect({ at: row, ...b }).toEqual({ at: row, ...a });
      expect(b.materials.target.line).toBe(fromTable.lineAt(row));
    }
  });

  it('would be misread if taken for chunks of 250: the number stored with the archive matters', async () => {
    const row = (await db.archives.get(loaded.archive.id)) as Parameters<typeof storeSource>[0];
    const misread = storeSource({ ...row, linesPerChunk: LINES_PER_CHUNK });
    const { ms: _a, phases: _pa, ...a } = await gatherMaterials(legacy, 1_500);
    await expect(gatherMaterials(misread, 1_500).then(({ ms: _b, phases: _pb, ...b }) => b)).resolves.not.toEqual(a);
  });
});

describe('an archive whose line chunks do not say where each line is and hold strings (imported before 2026-12-01)', () => {
  let older: RowSource;
  const GATHERED_ROWS = [0, 39_999, 65_535, 65_536, 74_999, 75_049];
  const packed = new Map<number, unknown>();
  // Its chunks hold 1,000 lines (the describe above rewrote them so), and its row does not say so.
  const whole = () => tableSource({ ...loaded, archive: { ...loaded.archive, linesPerChunk: undefined } });
  beforeAll(async () => {
    const packedSource = storeSource((await db.archives.get(loaded.archive.id)) as Parameters<typeof storeSource>[0]);
    expect(packedSource.linesPerChunk).toBe(LEGACY_LINES_PER_CHUNK);
    for (const row of GATHERED_ROWS) {
      const { ms: _a, phases: _pa, ...a } = await gatherMaterials(packedSource, row);
      packed.set(row, a);
    }
    let rewritten = 0;
    await db.receiptLines
      .where('archiveId')
      .equals(loaded.archive.id)
      .modify((chunk) => {
        chunk.texts = storedLines(chunk);
        delete chunk.lines;
        delete chunk.places;
        rewritten++;
      });
    expect(rewritten).toBeGreaterThan(0);
    older = storeSource((await db.archives.get(loaded.archive.id)) as Parameters<typeof storeSource>[0]);
  });

  it('is placed from its column blocks, as the table places it', async () => {
    const mismatches: number[] = [];
    for (let from = 0; from < fromTable.count; from += 5_000) {
      const rows = Array.from({ length: Math.min(5_000, fromTable.count - from) }, (_, i) => from + i);
      await older.load(rows);
      for (const row of rows) {
        const a = [fromTable.pathAt(row), fromTable.lineAt(row), fromTable.receiptIdAt(row)];
        const b = [older.pathAt(row), older.lineAt(row), older.receiptIdAt(row)];
        if (JSON.stringify(a) !== JSON.stringify(b)) mismatches.push(row);
      }
    }
    expect(mismatches).toEqual([]);
    for (const row of GATHERED_ROWS) {
      const { ms: _a, phases: _pa, ...a } = await gatherMaterials(whole(), row);
      const { ms: _b, phases: _pb, ...b } = await gatherMaterials(older, row);
      expect({ at: row, ...b }).toEqual({ at: row, ...a });
      // The same materials as from the packed chunks before they were rewritten as strings.
      expect({ at: row, ...b }).toEqual({ at: row, ...(packed.get(row) as object) });
    }
  });
});

/**
 * A small imported table for tests of an import's end (import-parts.test.ts,
 * verify-client.test.ts): two ledgers' receipts through the column builder, the table and its
 * point index, as the verify worker builds them.
 */
import type { RecordRead } from '../../shared/engine/types.ts';
import type { Receipt } from '../../shared/format/schema.ts';
import { buildPointIndex } from './point-index.ts';
import { ColumnBuilder, ROWS_PER_BLOCK } from './receipt-columns.ts';
import { buildReceiptTable } from './receipt-table.ts';

function record(ledger: string, seq: number): RecordRead {
  const receipt = {
    v: 1,
    ledger,
    seq,
    id: `rc_${ledger}_${seq}`,
    ts: new Date(Date.UTC(2026, 3, 1) + seq * 60_000).toISOString(),
    agent: { id: 'crm-01', role: 'r', tier: 2 },
    // Transactions of three steps, so a block's transaction ids are fewer than its rows.
    txn: { id: `tx_${ledger}_${Math.floor(seq / 3)}`, step: seq % 3, end: 'commit' },
    request: { action: { type: 'Action', id: 'db.read' }, resource: { type: 'Table', id: 'customers' } },
    data: { tier: 1, personal: [], subjects: [], recipient: null },
    decision: { effect: 'allow' },
    exec: { status: 'ok' },
  } as unknown as Receipt;
  return {
    ledger,
    path: `ledgers/${ledger}/000001.jsonl`,
    line: seq,
    text: `{"seq":${seq}}`,
    hash: `sha256:${String(seq).padStart(64, '0')}`,
    receipt,
  };
}

/** A table of two ledgers, the first over two column blocks, with its point index. */
export function importedTable(rowsA = ROWS_PER_BLOCK + 4, rowsB = 7) {
  const builder = new ColumnBuilder();
  for (let seq = 1; seq <= Math.max(rowsA, rowsB); seq++) {
    if (seq <= rowsA) builder.add(record('a', seq));
    if (seq <= rowsB) builder.add(record('b', seq));
  }
  builder.flush();
  const { blocks, dictionaries, rowsByLedger } = builder.finish();
  const table = buildReceiptTable(blocks, dictionaries, rowsByLedger, []);
  return { blocks, table, pointIndex: buildPointIndex(table) };
}

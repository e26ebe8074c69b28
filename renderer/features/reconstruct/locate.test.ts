import { describe, expect, it } from 'vitest';
import type { RecordRead } from '../../../shared/engine/types.ts';
import type { Receipt } from '../../../shared/format/schema.ts';
import { ColumnBuilder } from '../../workers/receipt-columns.ts';
import { buildReceiptTable } from '../../workers/receipt-table.ts';
import { locateReceipt } from './gather.ts';
import { tableSource, type StoredArchive } from './row-source.ts';

function record(line: number, id: string | null): RecordRead {
  const receipt =
    id === null
      ? null
      : ({
          v: 1,
          ledger: 'l',
          seq: line,
          id,
          ts: new Date(Date.UTC(2026, 3, 1) + line * 60_000).toISOString(),
          agent: { id: 'a', role: 'r', tier: 1 },
          txn: { id: `tx_${line}`, step: 1, end: 'commit' },
          request: { action: { type: 'Action', id: 'db.read' }, resource: { type: 'Table', id: 't' } },
          data: { tier: 1, personal: [], subjects: [], recipient: null },
          decision: { effect: 'allow' },
          exec: { status: 'ok' },
        } as unknown as Receipt);
  return {
    ledger: 'l',
    path: 'ledgers/l/000001.jsonl',
    line,
    text: `{"line":${line}}`,
    hash: `sha256:${String(line).padStart(64, '0')}`,
    receipt,
  };
}

// Rows: 0 rc_a, 1 rc_dup, 2 a line that is not a receipt, 3 rc_dup again.
const builder = new ColumnBuilder();
for (const r of [record(1, 'rc_a'), record(2, 'rc_dup'), record(3, null), record(4, 'rc_dup')]) builder.add(r);
builder.flush();
const { blocks, dictionaries, rowsByLedger } = builder.finish();
const table = buildReceiptTable(blocks, dictionaries, rowsByLedger, []);
const at = (t: typeof table) => tableSource({ archive: {} as StoredArchive, findings: [], table: t });

describe('the row a reconstruction address names', async () => {
  it('by id: the first row with it', async () => {
    expect(await locateReceipt(at(table), 'rc_a', undefined)).toEqual({ ok: true, row: 0 });
    expect(await locateReceipt(at(table), 'rc_dup', undefined)).toEqual({ ok: true, row: 1 });
  });

  it('a row picks one copy of a repeated id, and a row that is not that receipt is ignored', async () => {
    expect(await locateReceipt(at(table), 'rc_dup', 3)).toEqual({ ok: true, row: 3 });
    expect(await locateReceipt(at(table), 'rc_dup', 0)).toEqual({ ok: true, row: 1 });
    expect(await locateReceipt(at(table), 'rc_dup', 99)).toEqual({ ok: true, row: 1 });
  });

  it('by row alone: any stored line, also one that is not a valid receipt', async () => {
    expect(await locateReceipt(at(table), '', 2)).toEqual({ ok: true, row: 2 });
  });

  it('says why when nothing matches', async () => {
    const unknown = await locateReceipt(at(table), 'rc_nope', undefined);
    expect(!unknown.ok && unknown.message).toContain('no receipt with id “rc_nope”');
    const none = await locateReceipt(at(table), '', undefined);
    expect(!none.ok && none.message).toContain('names no receipt');
  });

  it('an import that did not index ids: by row only, and says so otherwise', async () => {
    const older = { ...table, missing: ['receiptId' as const] };
    expect(await locateReceipt(at(older), 'rc_a', 2)).toEqual({ ok: true, row: 2 });
    const byId = await locateReceipt(at(older), 'rc_a', undefined);
    expect(!byId.ok && byId.message).toContain('import the archive again');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finding } from '../../../shared/engine/findings.ts';
import type { RecordRead } from '../../../shared/engine/types.ts';
import type { Receipt } from '../../../shared/format/schema.ts';
import { ColumnBuilder, type ColumnBlock } from '../../workers/receipt-columns.ts';
import { buildReceiptTable, filterRows } from '../../workers/receipt-table.ts';
import { csvField, csvFileName, csvSummary, receiptCsvParts } from './csv.ts';

/** An RFC 4180 reader written apart from the writer: records of fields, CRLF between records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
          } else {
            i++;
            break;
          }
        } else field += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== ',' && text[i] !== '\r') {
        if (text[i] === '"' || text[i] === '\n')
          throw new Error(`bare ${JSON.stringify(text[i])} in an unquoted field`);
        field += text[i++];
      }
    }
    fields.push(field);
    if (text[i] === ',') i++;
    else if (text.startsWith('\r\n', i)) {
      records.push(fields);
      fields = [];
      i += 2;
    } else throw new Error(`unexpected ${JSON.stringify(text[i])} after a field at ${i}`);
  }
  if (fields.length > 0) throw new Error('last record without CRLF');
  return records;
}

function receipt(seq: number, over: Partial<Record<'id' | 'agent' | 'action' | 'txn', string>> = {}): Receipt {
  return {
    v: 1,
    ledger: 'gw',
    seq,
    id: over.id ?? `rc_${seq}`,
    ts: new Date(Date.UTC(2026, 3, 1) + seq * 1000).toISOString(),
    agent: { id: over.agent ?? 'crm-01', role: 'r', tier: 2 },
    txn: { id: over.txn ?? `tx_${seq}`, step: seq, end: null },
    request: { action: { type: 'Action', id: over.action ?? 'db.read' }, resource: { type: 'Table', id: 'c' } },
    data: { tier: 2, personal: seq === 2 ? ['health', 'contact'] : [], subjects: [], recipient: null },
    decision: { effect: 'allow' },
    exec: { status: 'ok' },
  } as unknown as Receipt;
}

function tableOf(receipts: readonly (Receipt | null)[]) {
  const builder = new ColumnBuilder();
  receipts.forEach((r, i) => {
    const rec: RecordRead = {
      ledger: 'gw',
      path: 'ledgers/gw/000001.jsonl',
      line: i + 1,
      text: '{}',
      hash: `sha256:${String(i + 1).padStart(64, 'f')}`,
      receipt: r,
    };
    builder.add(rec);
  });
  builder.flush();
  const { blocks, dictionaries, rowsByLedger } = builder.finish();
  const findings = [
    finding('DENIED_BUT_EXECUTED', 'x', { ledger: 'gw', seq: 2 }),
    finding('SIGNATURE_INVALID', 'y', { ledger: 'gw', seq: 2 }),
    finding('DENIED_BUT_EXECUTED', 'z', { ledger: 'gw', seq: 2 }),
  ];
  return {
    blocks,
    dictionaries,
    rowsByLedger,
    findings,
    table: buildReceiptTable(blocks, dictionaries, rowsByLedger, findings),
  };
}

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    ['=HYPERLINK("http://x")', `"'=HYPERLINK(""http://x"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tTAB', "'\tTAB"],
    ['\r=1', `"'\r=1"`],
    ['a=1', 'a=1'],
    ["'quoted", "'quoted"],
  ])('%j → %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('any text reads back as itself (guarded when it starts like a formula)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme-composite' }), { minLength: 1, maxLength: 5 }), (values) => {
        const line = values.map(csvField).join(',') + '\r\n';
        const expected = values.map((v) => (/^[=+\-@\t\r]/.test(v) ? `'${v}` : v));
        expect(parseCsv(line)).toEqual([expected]);
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('"', ',', '\r', '\n', '=', 'a', '-', ' '), { maxLength: 12 }), (chars) => {
        const value = chars.join('');
        const expected = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
        expect(parseCsv(csvField(value) + '\r\n')).toEqual([[expected]]);
      }),
    );
  });
});

describe('receiptCsvParts', () => {
  const { table, blocks, dictionaries, rowsByLedger, findings } = tableOf([
    receipt(1, { agent: '=cmd|calc', id: 'rc,"1"' }),
    receipt(2, { action: 'pay\nments' }),
    null,
    receipt(4),
  ]);

  it('writes the header and every given row, in order, each field in its column', () => {
    const csv = [...receiptCsvParts(table, filterRows(table, {}), 2)].join('');
    const records = parseCsv(csv);
    expect(records[0]).toEqual([
      'ledger',
      'seq',
      'receipt id',
      'ts',
      'agent',
      'action',
      'resource',
      'effect',
      'status',
      'tier',
      'personal',
      'transaction',
      'step',
      'hash',
      'findings',
    ]);
    expect(records).toHaveLength(5);
    expect(records[1]).toEqual([
      'gw',
      '1',
      'rc,"1"',
      '2026-04-01T00:00:01.000Z',
      "'=cmd|calc",
      'db.read',
      'Table::c',
      'allow',
      'ok',
      '2',
      '',
      'tx_1',
      '1',
      `sha256:${'1'.padStart(64, 'f')}`,
      '',
    ]);
    expect(records[2]?.[5]).toBe('pay\nments');
    expect(records[2]?.[10]).toBe('contact;health');
    expect(records[2]?.[14]).toBe('DENIED_BUT_EXECUTED;SIGNATURE_INVALID');
    // A line that was not a valid receipt: where it is and its hash, nothing invented.
    expect(records[3]).toEqual([
      'gw',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      `sha256:${'3'.padStart(64, 'f')}`,
      '',
    ]);
  });

  it('only the rows asked for', () => {
    const records = parseCsv([...receiptCsvParts(table, Uint32Array.of(3))].join(''));
    expect(records.map((r) => r[1])).toEqual(['seq', '4']);
  });

  it('an import without the explorer columns leaves them out instead of writing empty cells', () => {
    const old = blocks.map(
      ({ seq, ts, agent, action, resource, path, line, effect, status, ledger, blockNo, start, count }) =>
        ({
          seq,
          ts,
          agent,
          action,
          resource,
          path,
          line,
          effect,
          status,
          ledger,
          blockNo,
          start,
          count,
        }) as ColumnBlock,
    );
    const { personalSets: _p, ...oldDictionaries } = dictionaries;
    const before = buildReceiptTable(old, oldDictionaries, rowsByLedger, findings);
    const records = parseCsv([...receiptCsvParts(before, Uint32Array.of(0))].join(''));
    expect(records[0]).toEqual(['ledger', 'seq', 'ts', 'agent', 'action', 'resource', 'effect', 'status', 'findings']);
    expect(csvSummary(1, ['tier', 'hash'])).toBe(
      '1 receipt; left out (not indexed in this import: import the archive again): tier, hash',
    );
  });
});

describe('csvFileName', () => {
  it('keeps the archive name readable and safe', () => {
    expect(csvFileName('demo evidence.zip', new Date(Date.UTC(2026, 3, 5)))).toBe(
      'demo-evidence-receipts-2026-04-05.csv',
    );
    expect(csvFileName('../x', new Date(Date.UTC(2026, 3, 5)))).toBe('x-receipts-2026-04-05.csv');
    expect(csvFileName('.zip', new Date(Date.UTC(2026, 3, 5)))).toBe('archive-receipts-2026-04-05.csv');
  });
});

import { describe, expect, it } from 'vitest';
import { finding, type Finding } from '../../shared/engine/findings.ts';
import type { RecordRead } from '../../shared/engine/types.ts';
import type { Receipt } from '../../shared/format/schema.ts';
import { ColumnBuilder, LINES_PER_CHUNK, ROWS_PER_BLOCK, chunkOf, type LineChunk } from '../workers/receipt-columns.ts';
import {
  buildReceiptTable,
  filterRows,
  findReceiptRow,
  hashOf,
  localRow,
  personalOf,
  receiptIdOf,
  subjectsOf,
  transactionRows,
  txnOf,
  unplacedFindings,
  type ReceiptFilter,
} from './receipt-table.ts';
import type { ColumnBlock } from './receipt-columns.ts';
import { chunkFindings } from '../store/archives.ts';

/** A receipt with just the members the columns read. */
function receipt(
  ledger: string,
  seq: number,
  over: {
    agent?: string;
    action?: string;
    effect?: 'allow' | 'deny';
    status?: 'ok' | 'error' | 'blocked';
    ts?: string;
    id?: string;
    txn?: string;
    step?: number;
    tier?: number;
    personal?: string[];
    subjects?: string[];
    resource?: string;
  } = {},
): Receipt {
  return {
    v: 1,
    ledger,
    seq,
    id: over.id ?? `rc_${ledger}_${seq}`,
    ts: over.ts ?? new Date(Date.UTC(2026, 3, 1) + seq * 60_000).toISOString(),
    agent: { id: over.agent ?? 'crm-01', role: 'r', tier: 2 },
    txn: { id: over.txn ?? `tx_${ledger}_${seq}`, step: over.step ?? 0, end: 'commit' },
    request: {
      action: { type: 'Action', id: over.action ?? 'db.read' },
      resource: { type: 'Table', id: over.resource ?? 'customers' },
    },
    data: { tier: over.tier ?? 1, personal: over.personal ?? [], subjects: over.subjects ?? [], recipient: null },
    decision: { effect: over.effect ?? 'allow' },
    exec: { status: over.status ?? 'ok' },
  } as unknown as Receipt;
}

function record(ledger: string, seq: number, over: Parameters<typeof receipt>[2] = {}, segment = 1): RecordRead {
  const path = `ledgers/${ledger}/${String(segment).padStart(6, '0')}.jsonl`;
  return {
    ledger,
    path,
    line: seq,
    text: `{"seq":${seq}}`,
    hash: `sha256:${String(seq).padStart(64, '0')}`,
    receipt: receipt(ledger, seq, over),
  };
}

function build(records: readonly RecordRead[], findings: readonly Finding[] = []) {
  const builder = new ColumnBuilder();
  const chunks: LineChunk[] = [];
  for (const r of records) {
    const chunk = builder.add(r);
    if (chunk) chunks.push(chunk);
  }
  chunks.push(...builder.flush());
  const { blocks, dictionaries, rowsByLedger } = builder.finish();
  return { chunks, blocks, table: buildReceiptTable(blocks, dictionaries, rowsByLedger, findings) };
}

describe('ColumnBuilder', () => {
  it('cuts each ledger into line chunks of LINES_PER_CHUNK, numbered per ledger, even when ledgers interleave', () => {
    const records: RecordRead[] = [];
    for (let seq = 1; seq <= LINES_PER_CHUNK + 10; seq++) records.push(record('a', seq), record('b', seq));
    const { chunks } = build(records);
    const summary = chunks.map((c) => `${c.ledger}#${c.chunkNo}:${c.texts.length}`).sort();
    expect(summary).toEqual([`a#0:${LINES_PER_CHUNK}`, 'a#1:10', `b#0:${LINES_PER_CHUNK}`, 'b#1:10']);
    const a1 = chunks.find((c) => c.ledger === 'a' && c.chunkNo === 1) as LineChunk;
    expect(a1.texts[0]).toBe(`{"seq":${LINES_PER_CHUNK + 1}}`);
    expect(a1.hashes.length).toBe(a1.texts.length);
  });

  it('starts a new column block after ROWS_PER_BLOCK rows and the table joins them in order', () => {
    const records = Array.from({ length: ROWS_PER_BLOCK + 3 }, (_, i) => ({ ...record('a', i + 1), receipt: null }));
    const { blocks, table } = build(records);
    expect(blocks.map((b) => [b.blockNo, b.start, b.count])).toEqual([
      [0, 0, ROWS_PER_BLOCK],
      [1, ROWS_PER_BLOCK, 3],
    ]);
    expect(table.count).toBe(ROWS_PER_BLOCK + 3);
    expect(table.line[ROWS_PER_BLOCK + 2]).toBe(ROWS_PER_BLOCK + 3);
    // A line that was not a valid receipt has no seq, time, effect or status.
    expect(Number.isNaN(table.seq[0] as number)).toBe(true);
    expect(table.effect[0]).toBe(0);
  });

  it('places a row where chunkOf says its raw line is stored', () => {
    const records = Array.from({ length: 2500 }, (_, i) => record('a', i + 1));
    const { chunks, table } = build(records);
    const row = 2345;
    const { ledger, local } = localRow(table, row);
    const { chunkNo, offset } = chunkOf(local);
    const chunk = chunks.find((c) => c.ledger === ledger && c.chunkNo === chunkNo) as LineChunk;
    expect(chunk.texts[offset]).toBe(`{"seq":${table.seq[row]}}`);
  });
});

describe('filterRows', () => {
  const records = [
    record('gw-eu', 1),
    record('gw-eu', 2, { effect: 'deny', status: 'blocked', agent: 'fin-02' }),
    record('gw-eu', 3, { effect: 'deny', status: 'ok', agent: 'fin-02', action: 'payments.release' }),
    record('gw-us', 1, { agent: 'fin-02' }),
    record('gw-us', 2, { status: 'error' }),
  ];
  const findings = [
    finding('DENIED_BUT_EXECUTED', 'denied, ran', {
      path: 'ledgers/gw-eu/000001.jsonl',
      line: 3,
      ledger: 'gw-eu',
      seq: 3,
    }),
    finding('SIGNATURE_INVALID', 'bad sig', { ledger: 'gw-us', seq: 2 }),
    finding('CHAIN_UNSEALED', 'tail', { ledger: 'gw-us' }),
    finding('MANIFEST_SIGNATURE_INVALID', 'manifest', { path: 'manifest.json' }),
  ];
  const { table } = build(records, findings);
  const rows = (filter: ReceiptFilter) => [...filterRows(table, filter)];

  it.each<[string, ReceiptFilter, number[]]>([
    ['no filter: every receipt, ledgers in name order', {}, [0, 1, 2, 3, 4]],
    ['one ledger', { ledger: 'gw-us' }, [3, 4]],
    ['effect', { effect: 'deny' }, [1, 2]],
    ['status', { status: 'error' }, [4]],
    ['agent across ledgers', { agent: 'fin-02' }, [1, 2, 3]],
    ['agent and effect together', { agent: 'fin-02', effect: 'allow' }, [3]],
    ['action', { action: 'payments.release' }, [2]],
    ['unknown agent matches nothing', { agent: 'nobody' }, []],
    ['unknown ledger matches nothing', { ledger: 'gw-xx' }, []],
    ['a finding code placed by path and line', { codes: ['DENIED_BUT_EXECUTED'] }, [2]],
    ['a finding code placed by ledger and seq', { codes: ['SIGNATURE_INVALID'] }, [4]],
    ['any of several codes', { codes: ['SIGNATURE_INVALID', 'DENIED_BUT_EXECUTED'] }, [2, 4]],
    ['category control', { category: 'control' }, [2]],
    ['severity critical', { severity: 'critical' }, [4]],
    ['receipts with any finding', { withFindings: true }, [2, 4]],
    ['finding filter and column filter', { withFindings: true, ledger: 'gw-eu' }, [2]],
    [
      'time bounds, inclusive',
      { fromMs: Date.UTC(2026, 3, 1) + 2 * 60_000, toMs: Date.UTC(2026, 3, 1) + 3 * 60_000 },
      [1, 2, 4],
    ],
  ])('%s', (_name, filter, expected) => {
    expect(rows(filter)).toEqual(expected);
  });

  it('keeps findings about no single receipt apart, by ledger when asked', () => {
    expect(table.findingRow[2]).toBe(-1);
    expect(unplacedFindings(table, {}).map((f) => f.code)).toEqual(['CHAIN_UNSEALED', 'MANIFEST_SIGNATURE_INVALID']);
    expect(unplacedFindings(table, { ledger: 'gw-us' }).map((f) => f.code)).toEqual(['CHAIN_UNSEALED']);
    expect(unplacedFindings(table, { severity: 'warning' }).map((f) => f.code)).toEqual(['CHAIN_UNSEALED']);
  });

  it('lists each receipt’s findings', () => {
    expect(table.rowFindings.get(2)).toEqual([0]);
    expect(table.rowFindings.get(4)).toEqual([1]);
    expect(table.rowFindings.has(0)).toBe(false);
  });

  it('places a finding on a malformed line by path and line (it has no seq)', () => {
    const malformed: RecordRead = { ...record('a', 7), receipt: null };
    const { table: t } = build(
      [record('a', 1), malformed],
      [finding('RECORD_MALFORMED', 'bad', { path: malformed.path, line: 7, ledger: 'a' })],
    );
    expect(t.findingRow[0]).toBe(1);
  });
});

const SUBJECT_A = `sha256:${'a'.repeat(64)}`;
const SUBJECT_B = `sha256:${'b'.repeat(63)}1`;

describe('explorer columns', () => {
  // Two ledgers, a transaction spread over both and over two blocks of one of them.
  const records: RecordRead[] = [];
  for (let seq = 1; seq <= ROWS_PER_BLOCK + 5; seq++) {
    const inTxn = seq === 2 || seq === 7 || seq === ROWS_PER_BLOCK + 3;
    records.push(
      record('gw-eu', seq, {
        ...(inTxn ? { txn: 'tx_shared', step: seq } : {}),
        ...(seq === 7 ? { personal: ['health', 'contact', 'health'], subjects: [SUBJECT_A, SUBJECT_B] } : {}),
        ...(seq === ROWS_PER_BLOCK + 3 ? { subjects: [SUBJECT_A], tier: 3 } : {}),
      }),
    );
  }
  records.push(record('gw-us', 1, { txn: 'tx_shared', id: 'rc\nodd\\id' }), { ...record('gw-us', 2), receipt: null });
  const { table, blocks } = build(records);
  const us = ROWS_PER_BLOCK + 5;

  it('keeps each row’s transaction, step, tier, personal data, subjects, id and hash', () => {
    expect(table.missing).toEqual([]);
    expect(txnOf(table, 6)).toBe('tx_shared');
    expect(table.step[6]).toBe(7);
    expect(table.tier[ROWS_PER_BLOCK + 2]).toBe(3);
    expect(personalOf(table, 6)).toEqual(['contact', 'health']);
    expect(personalOf(table, 5)).toEqual([]);
    expect(subjectsOf(table, 6)).toEqual([SUBJECT_A, SUBJECT_B]);
    expect(subjectsOf(table, ROWS_PER_BLOCK + 2)).toEqual([SUBJECT_A]);
    expect(subjectsOf(table, 0)).toEqual([]);
    expect(receiptIdOf(table, 0)).toBe('rc_gw-eu_1');
    expect(receiptIdOf(table, us)).toBe('rc\nodd\\id');
    expect(hashOf(table, 41)).toBe(`sha256:${'42'.padStart(64, '0')}`);
  });

  it('a line that was not a receipt has no id, transaction, tier or subjects', () => {
    const row = us + 1;
    expect(receiptIdOf(table, row)).toBe('');
    expect(txnOf(table, row)).toBe('');
    expect(Number.isNaN(table.tier[row] as number)).toBe(true);
    expect(subjectsOf(table, row)).toEqual([]);
    expect(hashOf(table, row)).toBe(`sha256:${'2'.padStart(64, '0')}`);
  });

  it('transactionRows: one ledger’s receipts of a transaction, in ledger order, across blocks', () => {
    expect(transactionRows(table, 'gw-eu', 'tx_shared')).toEqual([1, 6, ROWS_PER_BLOCK + 2]);
    expect(transactionRows(table, 'gw-us', 'tx_shared')).toEqual([us]);
    expect(transactionRows(table, 'gw-us', 'tx_nowhere')).toEqual([]);
    expect(transactionRows(table, 'gw-xx', 'tx_shared')).toEqual([]);
    expect(transactionRows(table, 'gw-eu', '')).toEqual([]);
    expect(localRow(table, ROWS_PER_BLOCK + 2)).toEqual({ ledger: 'gw-eu', local: ROWS_PER_BLOCK + 2 });
  });

  it('findReceiptRow: exactly the id, never a prefix or a part of one', () => {
    expect(findReceiptRow(table, 'rc_gw-eu_7')).toBe(6);
    expect(findReceiptRow(table, `rc_gw-eu_${ROWS_PER_BLOCK + 5}`)).toBe(ROWS_PER_BLOCK + 4);
    expect(findReceiptRow(table, 'rc\nodd\\id')).toBe(us);
    expect(findReceiptRow(table, 'rc_gw-eu_')).toBeUndefined();
    expect(findReceiptRow(table, 'gw-eu_7')).toBeUndefined();
    expect(findReceiptRow(table, '')).toBeUndefined();
    // The escape keeps a newline inside an id from matching across two ids.
    expect(findReceiptRow(table, 'rc_gw-eu_1\nrc_gw-eu_2')).toBeUndefined();
  });

  it('an import stored before these columns loads, says what it lacks, and refuses to answer instead of matching nothing', () => {
    const old = blocks.map((b) => {
      const { seq, ts, agent, action, resource, path, line, effect, status, ledger, blockNo, start, count } = b;
      return {
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
      } as ColumnBlock;
    });
    const { personalSets: _dropped, ...oldDictionaries } = table.dictionaries;
    const before = buildReceiptTable(old, oldDictionaries, { 'gw-eu': ROWS_PER_BLOCK + 5, 'gw-us': 2 }, []);
    expect(before.count).toBe(table.count);
    expect(before.missing).toEqual(['transaction', 'tier', 'personal', 'subject', 'receiptId', 'hash']);
    expect(() => transactionRows(before, 'gw-eu', 'tx_shared')).toThrow(/not indexed in this import/);
    expect(() => findReceiptRow(before, 'rc_gw-eu_7')).toThrow(/not indexed in this import/);
    expect([...filterRows(before, { agent: 'crm-01', ledger: 'gw-us' })]).toEqual([us]);
  });
});

describe('chunkFindings', () => {
  it('splits into rows of the given size and keeps order', () => {
    const items = Array.from({ length: 7 }, (_, i) => finding('CHAIN_GAP', `gap ${i}`));
    expect(chunkFindings(items, 3).map((c) => c.map((f) => f.message))).toEqual([
      ['gap 0', 'gap 1', 'gap 2'],
      ['gap 3', 'gap 4', 'gap 5'],
      ['gap 6'],
    ]);
    expect(chunkFindings([], 3)).toEqual([]);
  });
  it('refuses a size that is not a positive integer', () => {
    expect(() => chunkFindings([], 0)).toThrow(/size/);
  });
});

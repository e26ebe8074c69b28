import { describe, expect, it } from 'vitest';
import { finding, type Finding } from '../../shared/engine/findings.ts';
import type { RecordRead } from '../../shared/engine/types.ts';
import type { Receipt } from '../../shared/format/schema.ts';
import {
  ColumnBuilder,
  LEGACY_LINES_PER_CHUNK,
  LINES_PER_CHUNK,
  ROWS_PER_BLOCK,
  chunkOf,
  linesPerChunkOf,
  type LineChunk,
} from '../workers/receipt-columns.ts';
import {
  buildReceiptTable,
  filterRows,
  findReceiptRow,
  hashOf,
  localRow,
  personalOf,
  receiptIdOf,
  subjectsOf,
  hashPrefixRows,
  receiptIdPrefixRows,
  searchReceipts,
  transactionRows,
  txnOf,
  unavailableFilters,
  unplacedFindings,
  type ReceiptFilter,
} from './receipt-table.ts';
import type { ColumnBlock } from './receipt-columns.ts';
import { chunkFindings } from '../store/archives.ts';
import { storedLine, storedLineCount } from './packed-lines.ts';

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

function build(records: readonly RecordRead[], findings: readonly Finding[] = [], linesPerChunk = LINES_PER_CHUNK) {
  const builder = new ColumnBuilder(linesPerChunk);
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
    const summary = chunks.map((c) => `${c.ledger}#${c.chunkNo}:${storedLineCount(c)}`).sort();
    expect(summary).toEqual([`a#0:${LINES_PER_CHUNK}`, 'a#1:10', `b#0:${LINES_PER_CHUNK}`, 'b#1:10']);
    const a1 = chunks.find((c) => c.ledger === 'a' && c.chunkNo === 1) as LineChunk;
    expect(storedLine(a1, 0)).toBe(`{"seq":${LINES_PER_CHUNK + 1}}`);
    expect(a1.hashes.length).toBe(storedLineCount(a1));
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

  it('keeps every value of every row as a block grows from a few rows to ROWS_PER_BLOCK, and in the next', () => {
    // A ledger's first block starts small and doubles as it fills (2,000 ledgers' blocks made at
    // full size asked for 13 GB at once): rows on each side of every doubling keep their values.
    const n = ROWS_PER_BLOCK + 5;
    const subject = (i: number) => `sha256:${String(i).padStart(64, '0')}`;
    const records = Array.from({ length: n }, (_, i) =>
      record('a', i + 1, { tier: i % 5, step: i % 7, subjects: i % 1000 === 0 ? [subject(i)] : [] }),
    );
    // A second ledger interleaved now and then, a few rows long: its block stays small.
    for (let i = 0; i < 40; i++) records.splice(i * 1500, 0, record('b', i + 1));
    const { blocks, table } = build(records);
    expect(blocks.map((b) => [b.ledger, b.blockNo, b.count])).toEqual([
      ['a', 0, ROWS_PER_BLOCK],
      ['a', 1, 5],
      ['b', 0, 40],
    ]);
    for (let row = 0; row < n; row++) {
      if (table.seq[row] !== row + 1 || table.line[row] !== row + 1 || table.tier[row] !== row % 5)
        throw new Error(`row ${row}: seq ${table.seq[row]}, line ${table.line[row]}, tier ${table.tier[row]}`);
      if (table.step[row] !== row % 7) throw new Error(`row ${row}: step ${table.step[row]}`);
    }
    for (const row of [0, 1023, 1024, 2047, 2048, 32767, 32768, ROWS_PER_BLOCK - 1, ROWS_PER_BLOCK, n - 1]) {
      expect(receiptIdOf(table, row)).toBe(`rc_a_${row + 1}`);
      expect(hashOf(table, row)).toBe(`sha256:${String(row + 1).padStart(64, '0')}`);
      expect(subjectsOf(table, row)).toEqual(row % 1000 === 0 ? [subject(row)] : []);
    }
    expect(receiptIdOf(table, n + 39)).toBe('rc_b_40');
  });

  it('places every row where chunkOf says its raw line is stored, for any chunk size', () => {
    const records = Array.from({ length: 2500 }, (_, i) => record(i % 3 === 0 ? 'a' : 'b', i + 1));
    for (const size of [LINES_PER_CHUNK, LEGACY_LINES_PER_CHUNK, 1, 7, 2500, 4000]) {
      const { chunks, table } = build(records, [], size);
      // Every chunk but each ledger's last is full.
      for (const c of chunks) {
        const last = Math.max(...chunks.filter((d) => d.ledger === c.ledger).map((d) => d.chunkNo));
        if (c.chunkNo < last) expect(storedLineCount(c)).toBe(size);
      }
      for (let row = 0; row < table.count; row++) {
        const { ledger, local } = localRow(table, row);
        const { chunkNo, offset } = chunkOf(local, size);
        const chunk = chunks.find((c) => c.ledger === ledger && c.chunkNo === chunkNo) as LineChunk;
        expect(storedLine(chunk, offset)).toBe(`{"seq":${table.seq[row]}}`);
        expect(chunk.places.line[offset]).toBe(table.line[row]);
      }
    }
    expect(() => new ColumnBuilder(0)).toThrow(RangeError);
    expect(() => new ColumnBuilder(2.5)).toThrow(RangeError);
  });

  it('an archive row without linesPerChunk was stored in chunks of 1,000', () => {
    expect(linesPerChunkOf({})).toBe(1000);
    expect(LEGACY_LINES_PER_CHUNK).toBe(1000);
    expect(linesPerChunkOf({ linesPerChunk: 100 })).toBe(100);
    expect(new ColumnBuilder().linesPerChunk).toBe(LINES_PER_CHUNK);
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

  it.each<[string, ReceiptFilter, number[]]>([
    ['transaction across ledgers', { txn: 'tx_shared' }, [1, 6, ROWS_PER_BLOCK + 2, us]],
    ['transaction in one ledger', { txn: 'tx_shared', ledger: 'gw-us' }, [us]],
    ['unknown transaction', { txn: 'tx_none' }, []],
    ['tier', { tier: 3 }, [ROWS_PER_BLOCK + 2]],
    ['any personal data', { personal: 'any' }, [6]],
    ['a personal-data category', { personal: { category: 'contact' } }, [6]],
    ['a category nobody has', { personal: { category: 'biometric' } }, []],
    ['a data subject named in two blocks', { subject: SUBJECT_A }, [6, ROWS_PER_BLOCK + 2]],
    ['the other subject', { subject: SUBJECT_B }, [6]],
    ['a subject that is not a hash matches nothing', { subject: 'sha256:zz' }, []],
    ['subject and tier together', { subject: SUBJECT_A, tier: 3 }, [ROWS_PER_BLOCK + 2]],
    ['within search rows, narrowed by a ledger', { within: Uint32Array.of(0, 6, us), ledger: 'gw-eu' }, [0, 6]],
  ])('filterRows: %s', (_name, filter, expected) => {
    expect([...filterRows(table, filter)]).toEqual(expected);
  });

  it('filterRows: a resource', () => {
    const { table: t } = build([record('a', 1), record('a', 2, { resource: 'payments' })]);
    expect([...filterRows(t, { resource: 'Table::payments' })]).toEqual([1]);
    expect([...filterRows(t, { resource: 'payments' })]).toEqual([]);
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
    expect(unavailableFilters(before, { tier: 1, agent: 'crm-01', personal: 'any' })).toEqual(['tier', 'personal']);
    expect(unavailableFilters(table, { tier: 1, personal: 'any' })).toEqual([]);
    expect(() => filterRows(before, { tier: 1 })).toThrow(/not indexed in this import/);
    const search = searchReceipts(before, 'rc_gw-eu_7');
    expect(search.unavailable).toEqual(['receiptId', 'transaction', 'hash']);
    expect(search.parts).toEqual([]);
  });
});

describe('searchReceipts', () => {
  const hashOfSeq = (ledger: string, seq: number) =>
    `sha256:${(ledger === 'b' ? 'abcdef' : '') + String(seq).padStart(ledger === 'b' ? 58 : 64, '0')}`;
  const records: RecordRead[] = [];
  for (let seq = 1; seq <= 30; seq++)
    records.push({ ...record('a', seq, { txn: seq <= 3 ? 'tx_1' : `tx_a${seq}` }), hash: hashOfSeq('a', seq) });
  records.push({ ...record('b', 1, { id: 'tx_1', txn: 'tx_b' }), hash: hashOfSeq('b', 1) });
  records.push({ ...record('b', 2, { id: 'ABCDEF-receipt', txn: 'tx_b' }), hash: hashOfSeq('b', 2) });
  const { table } = build(records);
  const search = (text: string) => {
    const r = searchReceipts(table, text);
    return { rows: [...r.rows], parts: r.parts, problem: r.problem };
  };

  it('a whole receipt id: that receipt only, not the ids it is a prefix of (rc_a_20 … rc_a_29)', () => {
    expect(search('  rc_a_2 ')).toEqual({ rows: [1], parts: [{ kind: 'receipt', id: 'rc_a_2', row: 1 }] });
  });

  it('a receipt id prefix: every id starting with it', () => {
    expect(search('rc_a_')).toEqual({
      rows: Array.from({ length: 30 }, (_, i) => i),
      parts: [{ kind: 'receipt-prefix', prefix: 'rc_a_', rows: 30 }],
    });
    expect(search('rc_a_3').parts).toEqual([{ kind: 'receipt', id: 'rc_a_3', row: 2 }]);
    expect(search('rc_a_1')).toMatchObject({ rows: [0] });
  });

  it('a transaction id: its receipts; a text that is both an id and a transaction lists both', () => {
    expect(search('tx_a7')).toEqual({ rows: [6], parts: [{ kind: 'transaction', id: 'tx_a7', rows: 1 }] });
    expect(search('tx_1')).toEqual({
      rows: [0, 1, 2, 30],
      parts: [
        { kind: 'receipt', id: 'tx_1', row: 30 },
        { kind: 'transaction', id: 'tx_1', rows: 3 },
      ],
    });
  });

  it('a hash prefix, with or without sha256:, any case, odd length too', () => {
    const expected = { rows: [30, 31], parts: [{ kind: 'hash', prefix: 'sha256:abcdef', rows: 2 }] };
    expect(search('abcdef')).toEqual(expected);
    expect(search('SHA256:ABCDEF')).toEqual(expected);
    expect(search('abcdef' + '0'.repeat(57))).toEqual({
      rows: [30, 31],
      parts: [{ kind: 'hash', prefix: `sha256:abcdef${'0'.repeat(57)}`, rows: 2 }],
    });
    expect(search(hashOfSeq('b', 2))).toEqual({
      rows: [31],
      parts: [{ kind: 'hash', prefix: hashOfSeq('b', 2), rows: 1 }],
    });
    expect(search(hashOfSeq('a', 17)).rows).toEqual([16]);
    // Receipt ids are matched as written: ABCDEF-receipt is found by its id, not by a hash.
    expect(search('ABCDEF-r').parts).toEqual([{ kind: 'receipt-prefix', prefix: 'ABCDEF-r', rows: 1 }]);
  });

  it('says why a hash could not be searched, and whether hashes were searched at all', () => {
    const covered = (text: string) => searchReceipts(table, text).hashesCovered;
    expect(search('sha256:abc').problem).toBe('Hashes were not searched: a hash prefix needs at least 6 hex digits.');
    expect(covered('sha256:abc')).toBe(false);
    expect(search('abc')).toEqual({
      rows: [],
      parts: [],
      problem: 'Hashes were not searched: a hash prefix needs at least 6 hex digits.',
    });
    expect(search('sha256:xyz123').problem).toMatch(/is not a hash/);
    expect(covered('sha256:xyz123')).toBe(true);
    expect(search('a'.repeat(65)).problem).toMatch(/longer than a SHA-256 hash/);
    expect(covered('abcdef')).toBe(true);
    expect(covered('zz_nothing')).toBe(true);
  });

  it('nothing found is no part and no row; empty text is no search', () => {
    expect(search('zz_nothing')).toEqual({ rows: [], parts: [] });
    expect(search('   ')).toEqual({ rows: [], parts: [] });
  });

  it('hashPrefixRows agrees with a plain startsWith over every row', () => {
    for (const prefix of [
      '0',
      '00',
      '000000',
      'abcdef0',
      'abcdef00000000000000000',
      '0000000000000000000000000000000000000000000000000000000000000012',
    ]) {
      const expected = records.flatMap((r, row) => (r.hash.slice(7).startsWith(prefix) ? [row] : []));
      expect([...hashPrefixRows(table, prefix)], prefix).toEqual(expected);
    }
  });

  it('receiptIdPrefixRows agrees with a plain startsWith over every row', () => {
    for (const prefix of ['r', 'rc_a_', 'rc_a_3', 'tx', 'A', 'rc_b']) {
      const expected = records.flatMap((r, row) => (r.receipt?.id.startsWith(prefix) ? [row] : []));
      expect([...receiptIdPrefixRows(table, prefix)], prefix).toEqual(expected);
    }
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

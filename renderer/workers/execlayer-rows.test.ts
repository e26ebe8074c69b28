/**
 * An ExecLayer log's lines become stored rows: every non-blank line once, in order, with its
 * 1-based line, `H(line)`, and the receipt id and time the verifier read from it; rows go on
 * in batches; the verifier's answer is the same as without the tee; and every finding with
 * a line lands on that line's row of the table.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readLines } from '../../shared/archive/lines.ts';
import { verifyExeclayer } from '../../shared/execlayer/verify.ts';
import { hashOf } from '../../shared/format/hash.ts';
import { RUN_SAMPLE_TESTS, SAMPLES_DIR } from '../../test/support/shared-dir.ts';
import { ExeclayerRows } from './execlayer-rows.ts';
import { ColumnBuilder, type LineChunk, type SegmentRows } from './receipt-columns.ts';
import { buildReceiptTable } from './receipt-table.ts';
import { storedLines } from './packed-lines.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

async function importLog(
  text: string | Uint8Array,
  kind: 'execlayer-py' | 'execlayer-v4',
  perBatch = 1000,
  maxLine = 200,
) {
  const bytes = typeof text === 'string' ? utf8(text) : text;
  const batches: SegmentRows[] = [];
  const builder = new ColumnBuilder();
  const chunks: LineChunk[] = [];
  const rows = new ExeclayerRows(
    kind,
    'log.jsonl',
    async (segment) => {
      batches.push(segment);
      chunks.push(...builder.addSegment(segment));
    },
    perBatch,
  );
  const input = {
    kind,
    source: 'log.jsonl',
    logPath: 'log.jsonl',
    headPath: 'dag_head.json',
    headText: null,
    hmacSecret: null,
    issuers: null,
  } as const;
  const report = await verifyExeclayer({
    ...input,
    lines: rows.lines(readLines([bytes.subarray(0, 7), bytes.subarray(7)], maxLine)),
    onLine: rows.onLine,
  });
  const plain = await verifyExeclayer({ ...input, lines: readLines([bytes], maxLine) });
  chunks.push(...builder.flush());
  const { blocks, dictionaries, rowsByLedger } = builder.finish();
  const table = buildReceiptTable(blocks, dictionaries, rowsByLedger, report.findings);
  return { report, plain, batches, chunks, table, rows };
}

const PY_RECEIPT = (id: string, ts: string) =>
  JSON.stringify({
    payload: { event: 'BLOCK', receipt: { receipt_id: id, timestamp_utc: ts } },
    payload_hash: 'sha256:00',
    entry_hash: 'sha256:11',
    prev_entry_hash: null,
  });

describe('ExeclayerRows', () => {
  it('keeps every non-blank line once, in order, with its line, H(line), id and time', async () => {
    const lines = [
      PY_RECEIPT('r1', '2026-02-03T17:00:46Z'),
      '',
      JSON.stringify({ payload: { event: 'ALLOW' }, payload_hash: 'x', entry_hash: 'y', prev_entry_hash: 'z' }),
      'not json',
      `{"pad":"${'x'.repeat(300)}"}`,
      PY_RECEIPT('r2', 'not a time'),
    ];
    const { report, plain, table, chunks, rows } = await importLog(lines.join('\n'), 'execlayer-py');
    expect(report).toEqual(plain);
    expect(rows.count).toBe(4);
    expect(chunks.flatMap((c) => storedLines(c))).toEqual([lines[0], lines[2], lines[3], lines[5]]);
    expect(chunks.flatMap((c) => c.hashes)).toEqual([lines[0], lines[2], lines[3], lines[5]].map((l) => hashOf(l!)));
    expect([...table.line]).toEqual([1, 3, 4, 6]);
    // seq: the record's place among records (the summary's 1..count), none for a line that is not one.
    expect([...table.seq]).toEqual([1, 2, Number.NaN, 3]);
    expect(table.ts[0]).toBe(Date.parse('2026-02-03T17:00:46Z'));
    expect([...table.ts.slice(1)]).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    const ids = [0, 1, 2, 3].map((r) =>
      table.receiptIdText.slice(table.receiptIdStart[r], (table.receiptIdStart[r + 1] as number) - 1),
    );
    expect(ids).toEqual(['r1', '', '', 'r2']);
    expect(table.ledgers).toEqual(['execlayer-py']);
    // Every finding about a kept line is on its row; the over-long line's is about no row.
    for (const [i, f] of report.findings.entries()) {
      const row = table.findingRow[i] as number;
      if (f.line === 5) expect(row).toBe(-1);
      else expect(table.line[row], `${f.code} at ${f.line}`).toBe(f.line);
    }
    expect(report.findings.some((f) => f.line === 5 && f.code === 'RECORD_MALFORMED')).toBe(true);
  });

  it('hands rows on in batches, in order, and a last partial batch', async () => {
    const lines = Array.from({ length: 23 }, (_, i) => PY_RECEIPT(`r${i + 1}`, '2026-01-01T00:00:00Z'));
    const { batches, table } = await importLog(lines.join('\n') + '\n', 'execlayer-py', 10);
    expect(batches.map((b) => b.count)).toEqual([10, 10, 3]);
    expect([...table.line]).toEqual(Array.from({ length: 23 }, (_, i) => i + 1));
  });

  it('keeps a line that is not UTF-8 as the browser decodes it; its finding is on it', async () => {
    const bytes = new Uint8Array([...utf8('{"a":"'), 0xff, ...utf8('"}\n')]);
    const { report, table, chunks } = await importLog(bytes, 'execlayer-v4');
    expect(storedLines(chunks[0] ?? {})).toEqual(['{"a":"\ufffd"}']);
    expect(report.findings.map((f) => `${f.line} ${f.code}`)).toContain('1 RECORD_MALFORMED');
    expect(table.findingRow[report.findings.findIndex((f) => f.line === 1)]).toBe(0);
  });
});

describe.skipIf(!RUN_SAMPLE_TESTS)('ExeclayerRows on the samples', () => {
  it('a v4 journal: one row a receipt, each named by its receipt_hash; the findings on their lines', async () => {
    const text = readFileSync(`${SAMPLES_DIR}execlayer/execlayer-v4/reordered/data/ledger.jsonl`);
    const { report, plain, table } = await importLog(new Uint8Array(text), 'execlayer-v4', 1000, 1 << 20);
    expect(report).toEqual(plain);
    expect(table.count).toBe(50);
    const first = JSON.parse(text.toString('utf8').split('\n')[0] as string) as { receipt_hash: string };
    expect(table.receiptIdText.slice(1, 65)).toBe(first.receipt_hash);
    // The head file was not given: FILE_MISSING is about no line.
    const placed = report.findings.map((f, i) => [f.line ?? null, table.line[table.findingRow[i] as number] ?? null]);
    expect(placed).toEqual([
      [null, null],
      [5, 5],
      [6, 6],
      [7, 7],
    ]);
  });
});

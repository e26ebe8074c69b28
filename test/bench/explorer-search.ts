/**
 * Benchmark: the receipts explorer's search box and filters on a 1,000,000-row table
 * (issue 10: "< 200 ms to screen at 1,000,000 receipts"). The rows are built the way an
 * import builds them (ColumnBuilder over RecordRead, two ledgers, every explorer column),
 * then joined by buildReceiptTable; each search and filter is timed cold (first call) and
 * as the median of later calls. Not a test (docs/CONVENTIONS.md: benchmarks never gate on a
 * wall-clock number); `npm run bench` calls {@link benchExplorerSearch}, or run it alone:
 *   npx tsx test/bench/explorer-search.ts            (BENCH_EXPLORER_ROWS=1000000 by default)
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { RecordRead } from '../../shared/engine/types.ts';
import type { Receipt } from '../../shared/format/schema.ts';
import { buildPointIndex } from '../../renderer/workers/point-index.ts';
import { ColumnBuilder, HASH_BYTES, type ColumnBlock } from '../../renderer/workers/receipt-columns.ts';
import {
  buildReceiptTable,
  filterRows,
  hashOf,
  receiptIdOf,
  searchReceipts,
  txnOf,
  type ReceiptTable,
} from '../../renderer/workers/receipt-table.ts';
import { seededRandom } from '../support/seeded.ts';

export interface ExplorerCase {
  readonly what: string;
  readonly rows: number;
  readonly coldMs: number;
  readonly medianMs: number;
}

export interface ExplorerFigures {
  readonly rows: number;
  readonly buildSeconds: number;
  readonly tableMs: number;
  /** The same blocks without the explorer's columns (as imports before them), joined. */
  readonly tableWithoutExplorerMs: number;
  /** Bytes the explorer's columns add to the in-memory table. */
  readonly explorerBytes: number;
  /** Building the point index from the table, as the verify worker does at the end of an import. */
  readonly pointIndexMs: number;
  /** Its buckets' size (ids and keys counted at 2 bytes a character) and count. */
  readonly pointIndexBytes: number;
  readonly pointIndexBuckets: number;
  readonly cases: readonly ExplorerCase[];
}

function hex(n: number, random: () => number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += Math.floor(random() * 16).toString(16);
  return out;
}

/** Builds `rows` receipts over two ledgers the way an import does. */
export function syntheticTable(rows: number): {
  table: ReceiptTable;
  buildSeconds: number;
  tableMs: number;
  tableWithoutExplorerMs: number;
} {
  const random = seededRandom(11);
  const subjects = Array.from(
    { length: 5000 },
    (_, i) => `sha256:${createHash('sha256').update(`s${i}`).digest('hex')}`,
  );
  const categories = [[], [], ['email'], ['email', 'phone'], ['health']];
  const builder = new ColumnBuilder();
  const started = performance.now();
  const ledgers = ['gw-eu-1', 'gw-us-1'];
  const seqs = [0, 0];
  let txn = '';
  let step = 0;
  for (let i = 0; i < rows; i++) {
    const li = random() < 0.5 ? 0 : 1;
    const ledger = ledgers[li] as string;
    const seq = ++(seqs[li] as number);
    if (step === 0 || random() < 0.4) {
      txn = `tx_${hex(16, random)}`;
      step = 1;
    } else step++;
    const personal = categories[Math.floor(random() * categories.length)] as string[];
    const receipt = {
      v: 1,
      ledger,
      seq,
      id: `rc_${hex(16, random)}`,
      ts: new Date(Date.UTC(2026, 0, 1) + i * 7_000).toISOString(),
      agent: { id: `agent-${Math.floor(random() * 40)}`, role: 'r', tier: 2 },
      txn: { id: txn, step, end: null },
      request: {
        action: { type: 'Action', id: `action.${Math.floor(random() * 12)}` },
        resource: { type: 'Table', id: `t${Math.floor(random() * 5000)}` },
      },
      data: {
        tier: 1 + Math.floor(random() * 4),
        personal,
        subjects: personal.length > 0 ? [subjects[Math.floor(random() * subjects.length)] as string] : [],
        recipient: null,
      },
      decision: { effect: random() < 0.15 ? 'deny' : 'allow' },
      exec: { status: 'ok' },
    } as unknown as Receipt;
    const record: RecordRead = {
      ledger,
      path: `ledgers/${ledger}/${String(Math.ceil(seq / 10_000)).padStart(6, '0')}.jsonl`,
      line: ((seq - 1) % 10_000) + 1,
      text: '',
      hash: `sha256:${createHash('sha256').update(`${ledger}/${seq}`).digest('hex')}`,
      receipt,
    };
    builder.add(record);
  }
  builder.flush();
  const { blocks, dictionaries, rowsByLedger } = builder.finish();
  const buildSeconds = (performance.now() - started) / 1000;
  const older = blocks.map(
    ({ ledger, blockNo, start, count, seq, ts, agent, action, resource, path, line, effect, status }): ColumnBlock => ({
      ...{ ledger, blockNo, start, count, seq, ts, agent, action, resource, path, line, effect, status },
    }),
  );
  let joined = performance.now();
  buildReceiptTable(older, dictionaries, rowsByLedger, []);
  const tableWithoutExplorerMs = performance.now() - joined;
  joined = performance.now();
  const table = buildReceiptTable(blocks, dictionaries, rowsByLedger, []);
  return { table, buildSeconds, tableMs: performance.now() - joined, tableWithoutExplorerMs };
}

function time(run: () => number, repeats = 7): { rows: number; coldMs: number; medianMs: number } {
  let started = performance.now();
  const rows = run();
  const coldMs = performance.now() - started;
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { rows, coldMs, medianMs: times[Math.floor(times.length / 2)] as number };
}

export function benchExplorerSearch(rows = 1_000_000): ExplorerFigures {
  const { table, buildSeconds, tableMs, tableWithoutExplorerMs } = syntheticTable(rows);
  const late = table.count - 17;
  const id = receiptIdOf(table, late);
  const hash = hashOf(table, late).slice('sha256:'.length);
  const txn = txnOf(table, late);
  const subject = `sha256:${createHash('sha256').update('s42').digest('hex')}`;
  const search = (text: string) => () => searchReceipts(table, text).rows.length;
  const cases: [string, () => number][] = [
    ['search: a receipt id (exact)', search(id)],
    ['search: a receipt id prefix, 10 characters', search(id.slice(0, 10))],
    ['search: "rc_0" (1/16 of the ids)', search('rc_0')],
    ['search: "rc_" (every id: the worst case)', search('rc_')],
    ['search: a transaction id', search(txn)],
    ['search: a hash prefix, 6 hex digits', search(hash.slice(0, 6))],
    ['search: a hash prefix, 12 hex digits, with sha256:', search(`sha256:${hash.slice(0, 12)}`)],
    ['search: a whole hash', search(hash)],
    ['search: nothing matches', search('no-such-receipt')],
    [
      'search "rc_0" then filters (tier 2, effect allow)',
      () => {
        const found = searchReceipts(table, 'rc_0');
        return filterRows(table, { within: found.rows, tier: 2, effect: 'allow' }).length;
      },
    ],
    ['filter: any personal data', () => filterRows(table, { personal: 'any' }).length],
    [
      'filter: personal data "phone", tier 3',
      () => filterRows(table, { personal: { category: 'phone' }, tier: 3 }).length,
    ],
    ['filter: one data subject', () => filterRows(table, { subject }).length],
    ['filter: a transaction', () => filterRows(table, { txn }).length],
    [
      'filter: action, tier and a month',
      () =>
        filterRows(table, {
          action: 'action.3',
          tier: 2,
          fromMs: Date.UTC(2026, 2, 1),
          toMs: Date.UTC(2026, 3, 1) - 1,
        }).length,
    ],
  ];
  const explorerBytes =
    table.txn.byteLength +
    table.step.byteLength +
    table.tier.byteLength +
    table.personal.byteLength +
    table.subjectStart.byteLength +
    table.subjectIds.byteLength +
    table.subjectDigests.byteLength +
    table.receiptIdStart.byteLength +
    table.hashes.byteLength +
    table.receiptIdText.length +
    table.txnIds.reduce((n, s) => n + s.length + 16, 0);
  if (table.hashes.byteLength !== table.count * HASH_BYTES) throw new Error('explorer bench: hash column size');
  const indexed = performance.now();
  const pointIndex = buildPointIndex(table);
  const pointIndexMs = performance.now() - indexed;
  if (!pointIndex) throw new Error('explorer bench: no point index');
  const pointIndexBytes = pointIndex.buckets.reduce(
    (n, b) =>
      n +
      b.ids.reduce((k, id) => k + 2 * id.length, 0) +
      b.txns.reduce((k, key) => k + 2 * key.length, 0) +
      b.idRows.byteLength +
      b.txnStart.byteLength +
      b.txnRows.byteLength,
    0,
  );
  return {
    rows: table.count,
    buildSeconds,
    tableMs,
    tableWithoutExplorerMs,
    explorerBytes,
    pointIndexMs,
    pointIndexBytes,
    pointIndexBuckets: pointIndex.buckets.length,
    cases: cases.map(([what, run]) => ({ what, ...time(run) })),
  };
}

/** The figures as the markdown table docs/PERFORMANCE.md records. */
export function printExplorerFigures(e: ExplorerFigures): void {
  const f = (n: number) => n.toLocaleString('en-US');
  console.log(
    `${f(e.rows)} rows: columns built in ${e.buildSeconds.toFixed(1)} s (ColumnBuilder, as an import), table joined in ${e.tableMs.toFixed(0)} ms (${e.tableWithoutExplorerMs.toFixed(0)} ms without the explorer columns); explorer columns ${(e.explorerBytes / 2 ** 20).toFixed(0)} MiB (txn ids counted at length + 16 bytes)`,
  );
  console.log(
    `point index (reconstruction after a reload): built in ${e.pointIndexMs.toFixed(0)} ms, ${f(e.pointIndexBuckets)} buckets, ${(e.pointIndexBytes / 2 ** 20).toFixed(0)} MiB (ids and keys at 2 bytes a character)`,
  );
  console.log('| question | rows | first call (ms) | median of 7 (ms) |\n|---|---|---|---|');
  for (const c of e.cases)
    console.log(`| ${c.what} | ${f(c.rows)} | ${c.coldMs.toFixed(1)} | ${c.medianMs.toFixed(1)} |`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  printExplorerFigures(benchExplorerSearch(Number(process.env.BENCH_EXPLORER_ROWS ?? 1_000_000)));
}

/**
 * The filtered receipts as CSV (RFC 4180): one header record, then one record per row, CRLF
 * after each. A field holding a comma, a quote, CR or LF is quoted, its quotes doubled.
 * Spreadsheet formula injection: a field the evidence controls that starts with `=`, `+`,
 * `-`, `@`, a tab or CR is prefixed with `'`, so a spreadsheet shows it as text instead of
 * running it (the receipts are signed by the gate, not written by the auditor). No byte
 * order mark: spreadsheets that need one are told the encoding (UTF-8) when they import.
 *
 * Pure; the page writes the parts out in slices so the window stays responsive.
 */
import { formatCount } from '../../components/format.ts';
import { EFFECTS, STATUSES } from '../../workers/receipt-columns.ts';
import {
  hashOf,
  personalOf,
  receiptIdOf,
  txnOf,
  type IndexedColumn,
  type ReceiptTable,
} from '../../workers/receipt-table.ts';

interface CsvColumn {
  readonly header: string;
  /** The explorer column it needs; left out of the file when the import did not index it. */
  readonly needs?: IndexedColumn;
  value(table: ReceiptTable, row: number): string;
}

const number = (value: number): string => (Number.isNaN(value) ? '' : String(value));

export const CSV_COLUMNS: readonly CsvColumn[] = [
  { header: 'ledger', value: (t, r) => t.ledgers[t.ledgerOf[r] as number] as string },
  { header: 'seq', value: (t, r) => number(t.seq[r] as number) },
  { header: 'receipt id', needs: 'receiptId', value: (t, r) => receiptIdOf(t, r) },
  {
    header: 'ts',
    value: (t, r) => {
      const ms = t.ts[r] as number;
      return Number.isFinite(ms) ? new Date(ms).toISOString() : '';
    },
  },
  { header: 'agent', value: (t, r) => t.dictionaries.agents[t.agent[r] as number] ?? '' },
  { header: 'action', value: (t, r) => t.dictionaries.actions[t.action[r] as number] ?? '' },
  { header: 'resource', value: (t, r) => t.dictionaries.resources[t.resource[r] as number] ?? '' },
  { header: 'effect', value: (t, r) => EFFECTS[t.effect[r] as number] ?? '' },
  { header: 'status', value: (t, r) => STATUSES[t.status[r] as number] ?? '' },
  { header: 'tier', needs: 'tier', value: (t, r) => number(t.tier[r] as number) },
  { header: 'personal', needs: 'personal', value: (t, r) => personalOf(t, r).join(';') },
  { header: 'transaction', needs: 'transaction', value: (t, r) => txnOf(t, r) },
  { header: 'step', needs: 'transaction', value: (t, r) => number(t.step[r] as number) },
  { header: 'hash', needs: 'hash', value: (t, r) => hashOf(t, r) },
  {
    header: 'findings',
    value: (t, r) => [...new Set((t.rowFindings.get(r) ?? []).map((i) => t.findings[i]?.code ?? ''))].join(';'),
  },
];

/** The columns this table can fill, and the ones left out (not indexed in this import). */
export function csvColumns(table: Pick<ReceiptTable, 'missing'>): {
  columns: readonly CsvColumn[];
  leftOut: readonly string[];
} {
  const available = (c: CsvColumn) => c.needs === undefined || !table.missing.includes(c.needs);
  return {
    columns: CSV_COLUMNS.filter(available),
    leftOut: CSV_COLUMNS.filter((c) => !available(c)).map((c) => c.header),
  };
}

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field: guarded against formula injection, then quoted when RFC 4180 asks. */
export function csvField(value: string): string {
  const guarded = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

export function csvRecord(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

/**
 * The file in parts: the header, then records of up to `rowsPerPart` rows each.
 * @param rows global rows, in the order to write them.
 */
export function* receiptCsvParts(
  table: ReceiptTable,
  rows: ArrayLike<number>,
  rowsPerPart = 5000,
): Generator<string, void, void> {
  const { columns } = csvColumns(table);
  yield csvRecord(columns.map((c) => c.header));
  for (let start = 0; start < rows.length; start += rowsPerPart) {
    let part = '';
    const end = Math.min(rows.length, start + rowsPerPart);
    for (let i = start; i < end; i++) {
      const row = rows[i] as number;
      part += csvRecord(columns.map((c) => c.value(table, row)));
    }
    yield part;
  }
}

/** A file name for the export: archive name without extension, the date, `.csv`. */
export function csvFileName(archiveName: string, now: Date): string {
  const base =
    archiveName
      .replace(/\.[A-Za-z0-9]{1,8}$/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[.-]+/, '') || 'archive';
  return `${base}-receipts-${now.toISOString().slice(0, 10)}.csv`;
}

/** What the export wrote, in a sentence. */
export function csvSummary(rows: number, leftOut: readonly string[]): string {
  const what = `${formatCount(rows)} receipt${rows === 1 ? '' : 's'}`;
  return leftOut.length === 0
    ? what
    : `${what}; left out (not indexed in this import: import the archive again): ${leftOut.join(', ')}`;
}

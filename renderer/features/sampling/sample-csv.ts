/**
 * A sample and its results as CSV (RFC 4180 with the formula guard of the receipts export):
 * one record per item with what re-performs it (seed, stratum seed, hash, score), its
 * results per attribute, its state and note; and the population a sample was drawn from
 * (one record per receipt: ledger, seq, id, hash), for re-performing a draw whose filter
 * the command line does not have. Pure.
 */
import type { SampleItemRow } from '../../store/db.ts';
import type { Sample } from '../../store/samples.ts';
import { hashOf, localRow, receiptIdOf, type ReceiptTable } from '../../workers/receipt-table.ts';
import { csvRecord } from '../receipts/csv.ts';
import { itemState } from './evaluation.ts';
import { stratumOf, type Stratify } from './population.ts';

const RESULT_TEXT = { pass: 'pass', fail: 'fail', 'not-applicable': 'not applicable' } as const;

const STATE_TEXT = {
  deviation: 'deviation',
  untested: 'not fully tested',
  'not-applicable': 'not applicable',
  'no-deviation': 'no deviation',
} as const;

/** The stratum an item index falls in ('' when not stratified). */
export function stratumAt(sample: Sample, index: number): { name: string; seed: string } {
  const s = sample.details.strata.find((x) => index >= x.first && index < x.first + x.count);
  return { name: s?.name ?? '', seed: s?.seed ?? sample.seed };
}

export function sampleCsv(sample: Sample, items: readonly SampleItemRow[]): string {
  const { attributes } = sample.details;
  const stratified = sample.details.stratify !== null;
  let out = csvRecord([
    'item',
    ...(stratified ? [sample.details.stratify as string, 'stratum seed'] : []),
    'seed',
    'ledger',
    'seq',
    'receipt id',
    'hash',
    'score',
    ...attributes.map((a) => `${a.kind === 'automated' ? '[engine] ' : ''}${a.text}`),
    'result',
    'note',
  ]);
  for (const item of items) {
    const stratum = stratumAt(sample, item.index);
    out += csvRecord([
      String(item.index + 1),
      ...(stratified ? [stratum.name, stratum.seed] : []),
      sample.seed,
      item.ledger,
      Number.isFinite(item.seq) ? String(item.seq) : '',
      item.receiptId,
      item.hash,
      item.score,
      ...attributes.map((a) => {
        const r = item.results[a.id];
        return r == null ? 'not recorded' : RESULT_TEXT[r];
      }),
      STATE_TEXT[itemState(item.results, attributes)],
      item.note,
    ]);
  }
  return out;
}

/** The population's receipts in row order (the draw does not depend on order). */
export function populationCsv(table: ReceiptTable, rows: ArrayLike<number>, stratify: Stratify | null): string {
  let out = csvRecord(['ledger', 'seq', 'receipt id', 'hash', ...(stratify ? [stratify] : [])]);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] as number;
    const seq = table.seq[row] as number;
    out += csvRecord([
      localRow(table, row).ledger,
      Number.isFinite(seq) ? String(seq) : '',
      receiptIdOf(table, row),
      hashOf(table, row),
      ...(stratify ? [stratumOf(table, row, stratify)] : []),
    ]);
  }
  return out;
}

/** A file name: the archive's name without extension, what it holds, the sample id, `.csv`. */
export function sampleFileName(archiveName: string, sampleId: number, what: 'sample' | 'population'): string {
  const base =
    archiveName
      .replace(/\.[A-Za-z0-9]{1,8}$/, '')
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^[.-]+/, '') || 'archive';
  return `${base}-${what}-${sampleId}.csv`;
}

/**
 * A sample's items as stored, and what the engine says about them: the attributes a
 * control is tested on (one automated, from the stored findings; the manual ones the
 * auditor records), the automated result of each item, and a larger draw's items with the
 * kept items' results carried over. Pure (tested under Node).
 */
import { categoryOf, isFindingCode } from '../../../shared/codes.ts';
import type { CheckStatus } from '../../../shared/engine/types.ts';
import type { SampleItemRow } from '../../store/db.ts';
import type { ItemResult, SampleAttribute, SampleStratum } from '../../store/samples.ts';
import { localRow, transactionRows, txnOf, type ReceiptTable } from '../../workers/receipt-table.ts';
import type { Attribute, SampleControl } from './controls.ts';
import type { DrawnItem, DrawnStratum } from './draw.ts';

/** The check families the automated attribute depends on (shared/engine/verify.ts). */
export const CONTROL_CHECKS = 'Decision re-evaluation and control checks';
const INTEGRITY_CHECKS = ['Signatures, keys and trust anchors', 'Hash chains and checkpoints'];

export const AUTOMATED_ID = 'engine';

/** The attributes a sample of `control` is tested on: the engine's, then the manual ones given. */
export function attributesFor(control: SampleControl, manual: readonly Attribute[]): SampleAttribute[] {
  const codes = control.codes.length > 3 ? `${control.id} (${control.codes.length} codes)` : control.codes.join(' or ');
  const transaction = control.unit === 'transactions';
  return [
    {
      id: AUTOMATED_ID,
      text: `No ${codes} finding on this receipt${transaction ? '’s transaction' : ''} (engine)`,
      kind: 'automated',
      codes: [...control.codes],
      scope: transaction ? 'transaction' : 'receipt',
    },
    ...manual.map((a) => ({ id: a.id, text: a.text, kind: 'manual' as const })),
  ];
}

export type Automated =
  | { readonly checked: true; readonly result: 'pass' | 'fail'; readonly codes: readonly string[] }
  | { readonly checked: false; readonly why: string };

/**
 * The engine's result for one row: fail when the stored findings on it (or, for a control
 * over transactions, on any receipt of its transaction in its ledger) include one of the
 * attribute's codes, pass when none. Not checked when the checks that report those codes
 * did not run, or, for control codes, when the line is not a valid receipt (controls see
 * only valid receipts).
 */
export function automatedResult(
  table: ReceiptTable,
  row: number,
  receiptId: string,
  attribute: Pick<SampleAttribute, 'codes' | 'scope'>,
  checks: readonly CheckStatus[],
): Automated {
  const codes = attribute.codes ?? [];
  const control = codes.some((code) => isFindingCode(code) && categoryOf(code) === 'control');
  const needed = control ? [CONTROL_CHECKS] : INTEGRITY_CHECKS;
  for (const name of needed) {
    const ran = checks.find((c) => c.check === name);
    if (ran?.status !== 'ran')
      return {
        checked: false,
        why: `“${name}” did not run in this verification${ran?.reason ? ` (${ran.reason})` : ''}`,
      };
  }
  if (control && receiptId === '')
    return { checked: false, why: 'the line is not a valid receipt, so no control saw it' };
  let rows = [row];
  if (attribute.scope === 'transaction') {
    if (table.missing.includes('transaction'))
      return { checked: false, why: 'this import did not index transactions: import the archive again' };
    const txn = txnOf(table, row);
    if (txn !== '') rows = transactionRows(table, localRow(table, row).ledger, txn);
  }
  const found = new Set<string>();
  for (const r of rows)
    for (const i of table.rowFindings.get(r) ?? []) {
      const code = table.findings[i]?.code;
      if (code !== undefined && codes.includes(code)) found.add(code);
    }
  return { checked: true, result: found.size > 0 ? 'fail' : 'pass', codes: [...found].sort() };
}

/** The rows to store for a fresh draw: the automated result filled, manual ones empty. */
export function itemRows(
  table: ReceiptTable,
  items: readonly DrawnItem[],
  attributes: readonly SampleAttribute[],
  checks: readonly CheckStatus[],
): Omit<SampleItemRow, 'sampleId'>[] {
  return items.map((item, index) => ({
    index,
    receiptId: item.receiptId,
    ledger: item.ledger,
    seq: item.seq,
    hash: item.hash,
    score: item.score,
    results: Object.fromEntries(
      attributes.map((a) => {
        if (a.kind === 'manual') return [a.id, null];
        const auto = automatedResult(table, item.row, item.receiptId, a, checks);
        return [a.id, auto.checked ? auto.result : null];
      }),
    ),
    note: '',
  }));
}

/** The strata as recorded with the sample (item ranges in index order). */
export function strataOf(strata: readonly DrawnStratum[]): SampleStratum[] {
  let first = 0;
  return strata.map((s) => {
    const out = { name: s.name, seed: s.seed, population: s.population, first, count: s.items.length };
    first += s.items.length;
    return out;
  });
}

/** Whether an item has any result the auditor or the engine recorded beyond the empty start. */
export function hasResults(
  item: Pick<SampleItemRow, 'results' | 'note'>,
  attributes: readonly SampleAttribute[],
): boolean {
  return item.note !== '' || attributes.some((a) => a.kind === 'manual' && item.results[a.id] != null);
}

export type Extension =
  | { readonly ok: true; readonly items: Omit<SampleItemRow, 'sampleId'>[]; readonly kept: number }
  | { readonly ok: false; readonly message: string };

/**
 * The items of a larger draw with the same seed and population: each stratum's earlier
 * items must come first, in the same order (FORMAT.md §9 guarantees it for the same
 * population); their results and notes are kept, the new ones start empty (automated filled).
 */
export function extendItems(
  old: readonly SampleItemRow[],
  oldStrata: readonly SampleStratum[],
  fresh: readonly Omit<SampleItemRow, 'sampleId'>[],
  freshStrata: readonly SampleStratum[],
  attributes: readonly SampleAttribute[],
): Extension {
  const byName = new Map(freshStrata.map((s) => [s.name, s]));
  const out = fresh.map((item) => ({ ...item, results: { ...item.results } }));
  let kept = 0;
  for (const stratum of oldStrata) {
    const next = byName.get(stratum.name);
    if (!next || next.count < stratum.count)
      return {
        ok: false,
        message: `The larger draw has no${next ? ' larger' : ''} stratum ${stratum.name || '(all)'}: the population is not the one sampled.`,
      };
    for (let k = 0; k < stratum.count; k++) {
      const before = old[stratum.first + k];
      const after = out[next.first + k];
      if (!before || !after || before.hash !== after.hash || before.ledger !== after.ledger)
        return {
          ok: false,
          message: `Item ${stratum.first + k + 1} of the sample is not item ${next.first + k + 1} of the larger draw: the population has changed since the sample was drawn, so it cannot be extended. Draw a new sample.`,
        };
      for (const a of attributes) if (a.kind === 'manual') after.results[a.id] = before.results[a.id] ?? null;
      // An automated result the auditor recorded (the engine could not) is kept too.
      for (const a of attributes)
        if (a.kind === 'automated' && after.results[a.id] == null) after.results[a.id] = before.results[a.id] ?? null;
      after.note = before.note;
      kept++;
    }
  }
  return { ok: true, items: out, kept };
}

export type { ItemResult };

/**
 * Control metrics, computed on 100% of the receipts at import: for each control of the
 * library (library.ts), its population, its exceptions and its exception rate, in all and
 * per calendar month (UTC, the `YYYY-MM` of each receipt's `ts`).
 *
 * The population is counted here, receipt by receipt, by a collector with the shape of a
 * control check (the engine feeds it like one, it reports no findings). The exceptions come
 * from the verification's findings, the source of truth: {@link MetricsCollector.metrics}
 * places each finding at the receipt it names (by path and line, else by ledger and seq, as
 * the receipts explorer does) and counts each receipt once per control, however many
 * findings of that control it has. A finding at a receipt outside the control's population
 * (a forged approval on an action that needed none) is counted apart, never in the rate.
 * Transactions are counted by transaction (ledger and id), in the month of their first step.
 * The latency objective is judged per bundle (`SLO_BREACH`), so its exceptions here are the
 * receipts slower than their bundle's objective, which the collector counts itself.
 *
 * Map, then merge (projected.ts): a worker projects each receipt to a {@link MetricsProjection};
 * the fold counts them and keeps, per receipt, 4 bytes of month and membership (plus 8 of
 * lookup) so findings can be placed at the end: about 12 MB for a million receipts.
 */
import type { FindingCode } from '../codes.ts';
import type { Finding } from '../engine/findings.ts';
import { TextMap } from '../engine/text-map.ts';
import type { ControlCheck, ReceiptContext } from '../engine/types.ts';
import { SEGMENT_PATH } from '../format/layout.ts';
import type { Receipt } from '../format/schema.ts';
import { GrowableUint32 } from '../format/growable.ts';
import { CONTROL_LIBRARY, controlOfCode, type ControlId } from './library.ts';
import { projectedCheck, type ProjectedParts } from './projected.ts';

export const CONTROL_METRICS_FORMAT = 'tickmark.control-metrics.v1';

/** Membership bits of one receipt (the projection's `mask`). */
const BIT = {
  /** Allowed, under a bundle in the archive that lists the action in `approval_required`. */
  approval: 1 << 0,
  /** Under a bundle whose policy text may be given to Cedar (`policiesUsable`). */
  decision: 1 << 1,
  deny: 1 << 2,
  allow: 1 << 3,
  /** Personal data to a named recipient, status ok, under a bundle in the archive. */
  recipient: 1 << 4,
  ok: 1 << 5,
  /** Under a bundle with `slo.p99_latency_ms`. */
  slo: 1 << 6,
  /** Slower than that objective. */
  slow: 1 << 7,
  /** Personal data and status ok: what the explorer's `personal=any&status=ok` selects. */
  personalOk: 1 << 8,
} as const;

/** Which membership bit makes a receipt part of each per-receipt control's population. */
const POPULATION_BIT: Readonly<Record<Exclude<ControlId, 'transactions-complete'>, number>> = {
  'approval-of-elevated-actions': BIT.approval,
  'decisions-follow-policy': BIT.decision,
  'denied-actions-blocked': BIT.deny,
  'data-tier-segregation': BIT.allow,
  'personal-data-approved-recipients': BIT.recipient,
  'deterministic-outputs': BIT.ok,
  'latency-within-slo': BIT.slo,
  // Every receipt: the fold sets this bit on each.
  'evidence-integrity': 1 << 15,
};
const EVERY_RECEIPT = POPULATION_BIT['evidence-integrity'];
/** The controls counted receipt by receipt in the fold (decisions are counted by bundle, then joined). */
const COUNTED_BY_BIT = (Object.entries(POPULATION_BIT) as [ControlId, number][]).filter(
  ([id]) => id !== 'decisions-follow-policy',
);

/**
 * One receipt as the fold needs it (about 170 bytes structured-cloned with a bundle hash,
 * 100 without): where it is, its month, its membership bits, its transaction, its action
 * when allowed (for the approval population by action) and its bundle when it is
 * re-evaluated (a bundle whose policies turn out not to parse leaves the population).
 */
export type MetricsProjection = readonly [
  path: string,
  line: number,
  ledger: string,
  seq: number,
  month: string,
  mask: number,
  transaction: string,
  allowedAction: string | null,
  decisionBundle: string | null,
];

/** Receipt filters of the explorer, by name (the receipts route's query keys). */
export interface ExplorerFilter {
  readonly effect?: 'allow' | 'deny';
  readonly status?: 'ok';
  readonly action?: string;
  readonly personal?: 'any';
  readonly code?: FindingCode;
  readonly category?: 'integrity';
}

/** Part of a population that one explorer filter selects exactly (within a month's time range). */
export interface ExplorerPart {
  readonly filter: ExplorerFilter;
  readonly total: number;
  /** Aligned with {@link ControlMetricsReport.months}. */
  readonly byMonth: readonly number[];
}

export interface CodeCount {
  readonly code: FindingCode;
  readonly findings: number;
  /** Distinct items (receipts, or transactions) of the population with a finding of this code. */
  readonly inPopulation: number;
  /** Aligned with {@link ControlMetricsReport.months}. */
  readonly byMonth: readonly number[];
  /** Distinct readable receipts with this code that are not in the population. */
  readonly outside: number;
  /** Findings of this code at no readable receipt (archive, files, bundles, unreadable lines). */
  readonly notAtReceipt: number;
  /** Findings of severity `warning` (an unsealed tail): a note, not a failure, so never an exception. */
  readonly warnings: number;
}

export interface ControlMetric {
  readonly id: ControlId;
  readonly unit: 'receipts' | 'transactions';
  readonly population: number;
  readonly exceptions: number;
  /**
   * `findings`: distinct population items with a finding of the control's codes.
   * `slower-receipts` (latency): receipts slower than their bundle's objective; whether the
   * objective was breached is `SLO_BREACH`, judged per bundle (see `codes`).
   */
  readonly exceptionsAre: 'findings' | 'slower-receipts';
  /** Aligned with {@link ControlMetricsReport.months}. */
  readonly byMonth: { readonly population: readonly number[]; readonly exceptions: readonly number[] };
  /** Every code of the control that has findings. */
  readonly codes: readonly CodeCount[];
  /**
   * The population as explorer filters: parts whose receipts together are exactly the
   * population, each within a month's time range; or why no filter of the explorer selects it.
   */
  readonly explorer: { readonly parts: readonly ExplorerPart[] } | { readonly parts: null; readonly why: string };
  /** The explorer filter (within a time range) that lists exactly the exceptions, or null. */
  readonly exceptionsFilter: ExplorerFilter | null;
}

export interface ControlMetricsReport {
  readonly format: typeof CONTROL_METRICS_FORMAT;
  /** Receipts read (schema-valid), the population of evidence integrity. */
  readonly receipts: number;
  /** Every month with a receipt, ascending (`YYYY-MM`, UTC). */
  readonly months: readonly string[];
  /** In library order. */
  readonly controls: readonly ControlMetric[];
}

export interface MetricsCollector extends ControlCheck {
  /** The metrics, with exceptions taken from `findings` (the whole report's). */
  metrics(findings: readonly Finding[]): ControlMetricsReport;
}

export function projectMetrics(receipt: Receipt, context: ReceiptContext): MetricsProjection {
  const bundle = context.bundle;
  const allow = receipt.decision.effect === 'allow';
  const ok = receipt.exec.status === 'ok';
  const personal = receipt.data.personal.length > 0;
  const action = receipt.request.action.id;
  const limit = bundle?.body.slo?.p99_latency_ms;
  let mask = allow ? BIT.allow : BIT.deny;
  if (allow && bundle && (bundle.body.approval_required ?? []).includes(action)) mask |= BIT.approval;
  if (bundle?.policiesUsable) mask |= BIT.decision;
  if (bundle && personal && receipt.data.recipient !== null && ok) mask |= BIT.recipient;
  if (ok) mask |= BIT.ok;
  if (personal && ok) mask |= BIT.personalOk;
  if (limit !== undefined) {
    mask |= BIT.slo;
    if (receipt.exec.latency_ms > limit) mask |= BIT.slow;
  }
  return [
    context.path,
    context.line,
    context.ledger,
    receipt.seq,
    // Receipt times are RFC 3339 UTC (`…Z`, FORMAT.md §1): the first 7 characters are the month.
    receipt.ts.slice(0, 7),
    mask,
    receipt.txn.id,
    allow ? action : null,
    bundle?.policiesUsable ? bundle.hash : null,
  ];
}

/**
 * A column of unsigned 32-bit values by a small index (a line or a seq), 0 where unset;
 * an index far past what has been filled (a forged seq of 2^40) goes to a `Map` instead.
 */
class IndexTable {
  #dense = new Uint32Array(256);
  #sparse: Map<number, number> | null = null;
  #filled = 0;

  get(index: number): number {
    if (index >= 0 && index < this.#dense.length) return this.#dense[index] as number;
    return this.#sparse?.get(index) ?? 0;
  }

  /** Sets `value` (non-zero) at `index` unless a value is there already: the first one stays. */
  setFirst(index: number, value: number): void {
    if (this.get(index) !== 0) return;
    if (Number.isInteger(index) && index >= 0 && index < Math.max(1 << 16, this.#filled * 8)) {
      if (index >= this.#dense.length) {
        let length = this.#dense.length;
        while (length <= index) length *= 2;
        const bigger = new Uint32Array(length);
        bigger.set(this.#dense);
        this.#dense = bigger;
      }
      this.#dense[index] = value;
    } else {
      (this.#sparse ??= new Map()).set(index, value);
    }
    this.#filled++;
  }
}

interface Counts {
  /** Per control id, per month index. */
  readonly population: Map<ControlId, number[]>;
  /** Receipts re-evaluable, per bundle hash, per month index. */
  readonly decisionByBundle: Map<string, number[]>;
  /** Allowed receipts, and those of them in the approval population, per action, per month index. */
  readonly allowedByAction: Map<string, number[]>;
  readonly approvalByAction: Map<string, number[]>;
  readonly slow: number[];
  readonly personalOk: number[];
}

export function createMetricsCollector(): MetricsCollector {
  const months: string[] = [];
  const monthIndex = new Map<string, number>();
  const counts: Counts = {
    population: new Map(CONTROL_LIBRARY.map((c) => [c.id, []])),
    decisionByBundle: new Map(),
    allowedByAction: new Map(),
    approvalByAction: new Map(),
    slow: [],
    personalOk: [],
  };
  /** Per receipt read, in fold order: (month index + 1) | mask << 16. */
  const receipts = new GrowableUint32(1024);
  /** Per segment path, per line: receipt number + 1. */
  const byLine = new Map<string, IndexTable>();
  /** Per ledger, per seq: the first receipt with that seq, number + 1. */
  const bySeq = new Map<string, IndexTable>();
  /** `ledger \0 transaction id` → month index of its first step. */
  const transactions = new TextMap();

  const add = (column: number[], month: number) => {
    while (column.length <= month) column.push(0);
    column[month] = (column[month] as number) + 1;
  };
  const addTo = (map: Map<string, number[]>, key: string, month: number) => {
    let column = map.get(key);
    if (!column) map.set(key, (column = []));
    add(column, month);
  };

  const parts: ProjectedParts<MetricsProjection> = {
    id: 'control-metrics',
    name: 'control metrics',
    project: projectMetrics,
    fold([path, line, ledger, seq, month, mask, transaction, allowedAction, decisionBundle]) {
      let m = monthIndex.get(month);
      if (m === undefined) {
        m = months.length;
        months.push(month);
        monthIndex.set(month, m);
      }
      const full = mask | EVERY_RECEIPT;
      for (const [id, bit] of COUNTED_BY_BIT) if (full & bit) add(counts.population.get(id) as number[], m);
      if (decisionBundle !== null) addTo(counts.decisionByBundle, decisionBundle, m);
      if (allowedAction !== null) {
        addTo(counts.allowedByAction, allowedAction, m);
        if (mask & BIT.approval) addTo(counts.approvalByAction, allowedAction, m);
      }
      if (mask & BIT.slow) add(counts.slow, m);
      if (mask & BIT.personalOk) add(counts.personalOk, m);
      const key = `${ledger}\u0000${transaction}`;
      if (!transactions.has(key)) {
        transactions.set(key, m);
        add(counts.population.get('transactions-complete') as number[], m);
      }
      // Month in the low 16 bits, membership in the high 16 (as a number: bit 31 would make `<<` negative).
      receipts.push(m + 1 + full * 0x10000);
      const number = receipts.length;
      let lines = byLine.get(path);
      if (!lines) byLine.set(path, (lines = new IndexTable()));
      lines.setFirst(line, number);
      let seqs = bySeq.get(ledger);
      if (!seqs) bySeq.set(ledger, (seqs = new IndexTable()));
      seqs.setFirst(seq, number);
    },
    finish: () => [],
  };
  const check = projectedCheck(parts);
  return {
    ...check,
    metrics: (findings) => buildMetrics({ months, counts, receipts, byLine, bySeq, transactions }, findings),
  };
}

interface State {
  readonly months: readonly string[];
  readonly counts: Counts;
  readonly receipts: GrowableUint32;
  readonly byLine: ReadonlyMap<string, IndexTable>;
  readonly bySeq: ReadonlyMap<string, IndexTable>;
  readonly transactions: TextMap;
}

/** Where a finding is, as the metrics count it. */
type Placement =
  | { readonly kind: 'receipt'; readonly key: string; readonly month: number; readonly mask: number }
  | { readonly kind: 'none' };

/** The receipt a finding names, as the explorer places it: by path and line, else by ledger and seq. */
function placeAtReceipt(state: State, f: Finding): Placement {
  let number = 0;
  if (f.path !== undefined && f.line !== undefined && SEGMENT_PATH.test(f.path)) {
    // A line of a segment is that line: when it is not a readable receipt, no other is meant.
    number = state.byLine.get(f.path)?.get(f.line) ?? 0;
  } else if (f.ledger !== undefined && f.seq !== undefined) {
    number = state.bySeq.get(f.ledger)?.get(f.seq) ?? 0;
  }
  if (number === 0) return { kind: 'none' };
  const packed = state.receipts.at(number - 1) as number;
  return { kind: 'receipt', key: String(number), month: (packed & 0xffff) - 1, mask: packed >>> 16 };
}

function placeTransaction(state: State, f: Finding): Placement {
  const id = f.detail?.transaction;
  if (typeof id !== 'string' || f.ledger === undefined) return { kind: 'none' };
  const key = `${f.ledger}\u0000${id}`;
  const month = state.transactions.get(key);
  return month === undefined ? { kind: 'none' } : { kind: 'receipt', key, month, mask: 0 };
}

interface CodeTally {
  findings: number;
  readonly inPopulation: Set<string>;
  readonly byMonth: number[];
  readonly outside: Set<string>;
  notAtReceipt: number;
  warnings: number;
}

function buildMetrics(state: State, findings: readonly Finding[]): ControlMetricsReport {
  const { months, counts } = state;
  const aligned = (column: readonly number[] | undefined) => months.map((_, i) => column?.[i] ?? 0);
  const sum = (column: readonly number[]) => column.reduce((a, b) => a + b, 0);

  // Bundles whose policies do not parse are not re-evaluated (decision-mismatch.ts).
  const unparsable = new Set<string>();
  for (const f of findings)
    if (f.code === 'POLICY_INVALID' && typeof f.detail?.bundle === 'string') unparsable.add(f.detail.bundle);
  const decisionPopulation = months.map(() => 0);
  let decisionSkipped = 0;
  for (const [bundle, column] of counts.decisionByBundle) {
    if (unparsable.has(bundle)) decisionSkipped += sum(column);
    else column.forEach((n, i) => (decisionPopulation[i] = (decisionPopulation[i] as number) + n));
  }
  counts.population.set('decisions-follow-policy', decisionPopulation);

  // Exceptions from findings, each item once per control and once per code.
  const tallies = new Map<ControlId, Map<FindingCode, CodeTally>>();
  const exceptionKeys = new Map<ControlId, Map<string, number>>();
  for (const f of findings) {
    const control = controlOfCode(f.code);
    if (!control) continue;
    let byCode = tallies.get(control.id);
    if (!byCode) tallies.set(control.id, (byCode = new Map()));
    let tally = byCode.get(f.code);
    if (!tally)
      byCode.set(
        f.code,
        (tally = {
          findings: 0,
          inPopulation: new Set(),
          byMonth: months.map(() => 0),
          outside: new Set(),
          notAtReceipt: 0,
          warnings: 0,
        }),
      );
    tally.findings++;
    if (f.severity === 'warning') {
      tally.warnings++;
      continue;
    }
    if (control.id === 'latency-within-slo') {
      // Judged per bundle: never at a receipt.
      tally.notAtReceipt++;
      continue;
    }
    const place = control.unit === 'transactions' ? placeTransaction(state, f) : placeAtReceipt(state, f);
    if (place.kind === 'none') {
      tally.notAtReceipt++;
      continue;
    }
    const bit = control.id === 'transactions-complete' ? 0 : POPULATION_BIT[control.id];
    const inPopulation =
      control.unit === 'transactions' ||
      (control.id === 'decisions-follow-policy' ? (place.mask & BIT.decision) !== 0 : (place.mask & bit) !== 0);
    if (!inPopulation) {
      tally.outside.add(place.key);
      continue;
    }
    if (!tally.inPopulation.has(place.key)) {
      tally.inPopulation.add(place.key);
      tally.byMonth[place.month] = (tally.byMonth[place.month] as number) + 1;
    }
    let keys = exceptionKeys.get(control.id);
    if (!keys) exceptionKeys.set(control.id, (keys = new Map()));
    keys.set(place.key, place.month);
  }

  const controls = CONTROL_LIBRARY.map((control): ControlMetric => {
    const population = aligned(counts.population.get(control.id));
    const slo = control.id === 'latency-within-slo';
    const exceptions = months.map(() => 0);
    if (slo) counts.slow.forEach((n, i) => (exceptions[i] = n));
    else
      for (const month of exceptionKeys.get(control.id)?.values() ?? [])
        exceptions[month] = (exceptions[month] as number) + 1;
    const codes = [...(tallies.get(control.id) ?? new Map<FindingCode, CodeTally>()).entries()]
      .map(([code, t]) => ({
        code,
        findings: t.findings,
        inPopulation: t.inPopulation.size,
        byMonth: t.byMonth,
        outside: t.outside.size,
        notAtReceipt: t.notAtReceipt,
        warnings: t.warnings,
      }))
      .sort((a, b) => control.codes.indexOf(a.code) - control.codes.indexOf(b.code));
    return {
      id: control.id,
      unit: control.unit,
      population: sum(population),
      exceptions: sum(exceptions),
      exceptionsAre: slo ? 'slower-receipts' : 'findings',
      byMonth: { population, exceptions },
      codes,
      explorer: explorerParts(control.id, state, population, decisionSkipped),
      exceptionsFilter: exceptionsFilter(control.id, codes, sum(exceptions)),
    };
  });
  return { format: CONTROL_METRICS_FORMAT, receipts: state.receipts.length, months: [...months], controls };
}

/** The explorer filters whose rows (within a month's time range) are exactly the population. */
function explorerParts(
  id: ControlId,
  state: State,
  population: readonly number[],
  decisionSkipped: number,
): ControlMetric['explorer'] {
  const { months, counts } = state;
  const aligned = (column: readonly number[] | undefined) => months.map((_, i) => column?.[i] ?? 0);
  const same = (a: readonly number[], b: readonly number[]) => a.every((n, i) => n === b[i]);
  const whole = (filter: ExplorerFilter, candidate: readonly number[], why: string): ControlMetric['explorer'] =>
    // The population is part of the candidate's receipts: equal counts month by month mean the same receipts.
    same(population, candidate)
      ? { parts: [{ filter, total: population.reduce((a, b) => a + b, 0), byMonth: population }] }
      : { parts: null, why };
  const everyReceipt = aligned(counts.population.get('evidence-integrity'));
  switch (id) {
    case 'approval-of-elevated-actions': {
      const parts: ExplorerPart[] = [];
      for (const [action, column] of [...counts.approvalByAction].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        const inPopulation = aligned(column);
        if (!same(inPopulation, aligned(counts.allowedByAction.get(action))))
          return {
            parts: null,
            why: `some allowed ${action} receipts were decided under a bundle that does not require approval for it (or a bundle not in the archive), and the explorer has no filter by bundle.`,
          };
        parts.push({
          filter: { effect: 'allow', action },
          total: inPopulation.reduce((a, b) => a + b, 0),
          byMonth: inPopulation,
        });
      }
      return { parts };
    }
    case 'decisions-follow-policy':
      return whole(
        {},
        everyReceipt,
        `${decisionSkipped > 0 ? `${decisionSkipped.toLocaleString('en-US')} receipt(s) were decided under a bundle whose policies do not parse, and others may name a bundle not in the archive or not validly signed; ` : 'some receipts name a bundle that is not in the archive or whose policy text was not given to Cedar; '}the explorer has no filter by bundle.`,
      );
    case 'denied-actions-blocked':
      return whole({ effect: 'deny' }, aligned(counts.population.get(id)), '');
    case 'data-tier-segregation':
      return whole({ effect: 'allow' }, aligned(counts.population.get(id)), '');
    case 'personal-data-approved-recipients':
      return whole(
        { personal: 'any', status: 'ok' },
        aligned(counts.personalOk),
        'some receipts with personal data that ran name no recipient (or a bundle not in the archive), and the explorer has no filter by recipient.',
      );
    case 'transactions-complete':
      return { parts: null, why: 'the population is transactions, not receipts: the explorer lists receipts.' };
    case 'deterministic-outputs':
      return whole({ status: 'ok' }, aligned(counts.population.get(id)), '');
    case 'latency-within-slo':
      return whole(
        {},
        everyReceipt,
        'some receipts were decided under a bundle without a latency objective (or not in the archive), and the explorer has no filter by bundle.',
      );
    case 'evidence-integrity':
      return whole({}, everyReceipt, '');
  }
}

/** The one explorer filter that lists exactly the exceptions (time range aside), or null. */
function exceptionsFilter(id: ControlId, codes: readonly CodeCount[], exceptions: number): ExplorerFilter | null {
  if (id === 'latency-within-slo' || id === 'transactions-complete') return null;
  // Every integrity code is this control's, and a line that is not a readable receipt has no time to
  // fall in a month's range; but the explorer would also list the receipts with a warning.
  if (id === 'evidence-integrity') return codes.some((c) => c.warnings > 0) ? null : { category: 'integrity' };
  const withFindings = codes.filter((c) => c.inPopulation + c.outside > 0);
  if (withFindings.length === 0) {
    const control = CONTROL_LIBRARY.find((c) => c.id === id);
    return control?.codes.length === 1 ? { code: control.codes[0] as FindingCode } : null;
  }
  const [only] = withFindings;
  return withFindings.length === 1 && only && only.outside === 0 && only.inPopulation === exceptions
    ? { code: only.code }
    : null;
}

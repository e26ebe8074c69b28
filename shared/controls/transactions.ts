/**
 * `TXN_STEP_GAP` and `TXN_INCOMPLETE` (FORMAT.md §7). A transaction lives in one ledger;
 * read in seq order its steps must run 1, 2, …, n, and one step must end it with
 * `commit` or `abort` by the end of the ledger.
 *
 * Steps are judged as a set, whatever order they are stored in (FORMAT.md §7: "not 1..n
 * without gaps or repeats"): a step seen twice is a repeat, reported where the second copy
 * is; a step that skips ahead opens a gap, reported at the ledger's end only if no later
 * line fills it (two steps stored in swapped order are the chain's finding, not a gap and
 * a repeat); a step after the ending one means the transaction went on after it finished.
 *
 * Map, then merge (projected.ts): each receipt projects to a {@link StepProjection}, a
 * flat tuple of what a finding needs; the fold keeps per-ledger state, dropped when the
 * ledger ends (the engine folds ledgers one after another, FORMAT.md §5 keeps a
 * transaction in one ledger): an open transaction keeps where its last step was, an
 * ended one only its last step and how it ended. Ended transactions are nearly all of
 * them, so they live in a compact {@link TextMap} (about 40 bytes each, exact by id);
 * the open ones, few at any time, in a `Map` in the order they began, which is the
 * order `TXN_INCOMPLETE` reports them in.
 */
import { receiptNameAt } from './location.ts';
import { pushAll } from '../engine/append.ts';
import { finding, type Finding, type FindingLocation } from '../engine/findings.ts';
import type { ControlCheck, ControlCheckFactory, ReceiptContext } from '../engine/types.ts';
import { TextMap } from '../engine/text-map.ts';
import type { Receipt } from '../format/schema.ts';
import { projectedCheck } from './projected.ts';

/**
 * One receipt's step and where it is: a flat tuple of primitives, because a million of
 * them cross from workers to the main thread: about 100 bytes structured-cloned, against
 * some 1,300 for the receipt itself (measured on the independent producer's valid.zip).
 */
export type StepProjection = readonly [
  ledger: string,
  transaction: string,
  step: number,
  end: 'commit' | 'abort' | null,
  seq: number,
  receipt: string,
  path: string,
  line: number,
];

/** Steps missing when a step skipped ahead: reported at the ledger's end unless filled. */
interface PendingGap {
  readonly where: FindingLocation;
  /** What happened, up to "so …": "begins with step 3, not step 1". */
  readonly problem: string;
  readonly from: number;
  readonly to: number;
  readonly expected: number;
  readonly found: number;
  /** Steps of the range stored later (out of order). */
  readonly filled: Set<number>;
}

interface OpenTransaction {
  lastStep: number;
  steps: number;
  last: FindingLocation;
  /** Gaps not filled yet; null while the steps have come in order (the usual case). */
  gaps: PendingGap[] | null;
  /** How it ended, when it ended with gaps still open (then it stays here, not in `ended`). */
  end: 'commit' | 'abort' | null;
}
/** An ended transaction: `lastStep * 2`, plus 1 when it ended with `abort`. */
type EndedTransaction = number;

export interface LedgerTransactions {
  readonly ledger: string;
  /**
   * Transactions without an ending step yet, in the order of their first step, and ended
   * ones whose gaps may still be filled by a step stored later.
   */
  readonly open: Map<string, OpenTransaction>;
  readonly ended: TextMap;
}

export function emptyLedgerTransactions(ledger: string): LedgerTransactions {
  return { ledger, open: new Map(), ended: new TextMap() };
}

export const transactionCheck: ControlCheckFactory = (): ControlCheck => {
  const findings: Finding[] = [];
  const finishedLedgers = new Set<string>();
  /** Ledgers part of which could not be read: their gaps and open ends are not established. */
  const partlyRead = new Set<string>();
  let current: LedgerTransactions | null = null;
  return projectedCheck<StepProjection>({
    id: 'transactions',
    name: 'transactions',
    project: projectStep,
    fold(projection) {
      const [ledger] = projection;
      if (current?.ledger !== ledger) {
        if (current) {
          pushAll(findings, incompleteTransactions(current, !partlyRead.has(current.ledger)));
          finishedLedgers.add(current.ledger);
        }
        if (finishedLedgers.has(ledger)) {
          throw new Error(
            `transactionCheck: ledger ${ledger} was visited again after another ledger; receipts must come ledger by ledger`,
          );
        }
        current = emptyLedgerTransactions(ledger);
      }
      const found = foldStep(current, projection);
      if (found) findings.push(found);
    },
    finish() {
      if (current) pushAll(findings, incompleteTransactions(current, !partlyRead.has(current.ledger)));
      current = null;
      return findings;
    },
    ledgerUnreadable(ledger) {
      partlyRead.add(ledger);
    },
  });
};

/** Every receipt is a step of some transaction, so every receipt projects. */
export function projectStep(receipt: Receipt, context: ReceiptContext): StepProjection {
  const { id, step, end } = receipt.txn;
  return [context.ledger, id, step, end, receipt.seq, receipt.id, context.path, context.line];
}

/** Records one step; returns the `TXN_STEP_GAP` finding it causes, if any. */
export function foldStep(state: LedgerTransactions, projection: StepProjection): Finding | null {
  const [ledger, id, step, end, seq, receipt, path, line] = projection;
  const where: FindingLocation = { path, line, ledger, seq, receipt };
  const known = state.open.get(id);
  const ended: EndedTransaction | undefined = known ? undefined : state.ended.get(id);
  let problem: string | null = null;

  if (ended !== undefined) {
    const lastStep = Math.floor(ended / 2);
    problem = `continues with step ${step} after it ended with ${ended % 2 === 1 ? 'abort' : 'commit'} at step ${lastStep}`;
    state.ended.set(id, Math.max(lastStep, step) * 2 + (ended % 2));
    return gapFinding(id, where, problem, { expected: null, found: step, endedAt: lastStep });
  }

  if (known?.end) {
    // Ended with gaps open: a late step may fill one; anything else goes on after the end.
    const gap = known.gaps?.find((g) => step >= g.from && step <= g.to && !g.filled.has(step));
    if (gap) {
      gap.filled.add(step);
      known.steps++;
      return null;
    }
    const problem = `continues with step ${step} after it ended with ${known.end} at step ${known.lastStep}`;
    return gapFinding(id, where, problem, { expected: null, found: step, endedAt: known.lastStep });
  }

  const expected = known ? known.lastStep + 1 : 1;
  let gap: PendingGap | null = null;
  if (step > expected) {
    const problem = known
      ? `jumps from step ${known.lastStep} to step ${step}`
      : `begins with step ${step}, not step 1`;
    gap = { where, problem, from: expected, to: step - 1, expected, found: step, filled: new Set() };
  } else if (step < expected && known) {
    const open = known.gaps?.find((g) => step >= g.from && step <= g.to && !g.filled.has(step));
    if (open) {
      open.filled.add(step);
      known.steps++;
      known.last = where;
      return null;
    }
    problem = `repeats step ${step} after step ${known.lastStep}`;
  }
  const lastStep = Math.max(known?.lastStep ?? 0, step);
  const gaps = gap ? [...(known?.gaps ?? []), gap] : (known?.gaps ?? null);
  if (end !== null && (gaps === null || gaps.every(filledGap))) {
    state.open.delete(id);
    state.ended.set(id, lastStep * 2 + (end === 'abort' ? 1 : 0));
  } else if (known) {
    // Updated in place: the transaction keeps its place in the order they began.
    known.lastStep = lastStep;
    known.steps++;
    known.last = where;
    known.gaps = gaps;
    known.end = end;
  } else {
    state.open.set(id, { lastStep, steps: 1, last: where, gaps, end });
  }
  return problem ? gapFinding(id, where, problem, { expected, found: step }) : null;
}

function filledGap(gap: PendingGap): boolean {
  return gap.filled.size === gap.to - gap.from + 1;
}

/** `TXN_STEP_GAP` for every gap no later step filled, at the step that skipped ahead. */
function unfilledGaps(id: string, txn: OpenTransaction): Finding[] {
  const findings: Finding[] = [];
  for (const gap of txn.gaps ?? []) {
    const missing: number[] = [];
    for (let s = gap.from; s <= gap.to && missing.length <= 1_000; s++) if (!gap.filled.has(s)) missing.push(s);
    if (missing.length === 0) continue;
    const contiguous = missing.length === (missing.at(-1) as number) - (missing[0] as number) + 1;
    const what = contiguous
      ? describeMissing(missing[0] as number, missing.at(-1) as number)
      : `steps ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ' …' : ''} are`;
    findings.push(
      gapFinding(id, gap.where, `${gap.problem}, so ${what} missing`, { expected: gap.expected, found: gap.found }),
    );
  }
  return findings;
}

/**
 * At the ledger's end: `TXN_STEP_GAP` for every gap no step filled, and `TXN_INCOMPLETE`
 * for every transaction that no step commits or aborts; neither when part of the ledger
 * could not be read (the engine's check list says so).
 */
export function incompleteTransactions(state: LedgerTransactions, wholeLedgerRead = true): Finding[] {
  const findings: Finding[] = [];
  // Lines that could not be read may hold the missing steps and the ends: nothing is claimed.
  if (!wholeLedgerRead) return findings;
  for (const [id, txn] of state.open) {
    pushAll(findings, unfilledGaps(id, txn));
    if (txn.end) continue;
    findings.push(
      finding(
        'TXN_INCOMPLETE',
        `Transaction ${id} in ledger ${state.ledger} has ${txn.steps} step(s), the last being step ${txn.lastStep} at seq ${txn.last.seq}, but no step commits or aborts it by the end of the ledger.`,
        txn.last,
        { transaction: id, steps: txn.steps, lastStep: txn.lastStep },
      ),
    );
  }
  return findings;
}

function gapFinding(
  transaction: string,
  where: FindingLocation,
  problem: string,
  detail: Record<string, unknown>,
): Finding {
  return finding(
    'TXN_STEP_GAP',
    `${receiptNameAt(where as { receipt: string; ledger: string; seq: number })}: transaction ${transaction} should number its steps 1, 2, 3 … without gaps or repeats, but it ${problem}.`,
    where,
    { transaction, ...detail },
  );
}

function describeMissing(from: number, to: number): string {
  return from === to ? `step ${from} is` : `steps ${from} to ${to} are`;
}

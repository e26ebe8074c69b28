/**
 * `TXN_STEP_GAP` and `TXN_INCOMPLETE` (FORMAT.md §7). A transaction lives in one ledger;
 * read in seq order its steps must run 1, 2, …, n, and one step must end it with
 * `commit` or `abort` by the end of the ledger.
 *
 * Steps are judged in seq order, as the chain proves that order: a step that skips
 * ahead is a gap, a step at or below one already seen is a repeat, and a step after the
 * ending one means the transaction went on after it was declared finished.
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

interface OpenTransaction {
  lastStep: number;
  steps: number;
  last: FindingLocation;
}
/** An ended transaction: `lastStep * 2`, plus 1 when it ended with `abort`. */
type EndedTransaction = number;

export interface LedgerTransactions {
  readonly ledger: string;
  /** Transactions without an ending step yet, in the order of their first step. */
  readonly open: Map<string, OpenTransaction>;
  readonly ended: TextMap;
}

export function emptyLedgerTransactions(ledger: string): LedgerTransactions {
  return { ledger, open: new Map(), ended: new TextMap() };
}

export const transactionCheck: ControlCheckFactory = (): ControlCheck => {
  const findings: Finding[] = [];
  const finishedLedgers = new Set<string>();
  let current: LedgerTransactions | null = null;
  return projectedCheck<StepProjection>({
    id: 'transactions',
    name: 'transactions',
    project: projectStep,
    fold(projection) {
      const [ledger] = projection;
      if (current?.ledger !== ledger) {
        if (current) {
          pushAll(findings, incompleteTransactions(current));
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
      if (current) pushAll(findings, incompleteTransactions(current));
      current = null;
      return findings;
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

  const expected = known ? known.lastStep + 1 : 1;
  if (step !== expected) {
    if (!known) problem = `begins with step ${step}, not step 1`;
    else if (step > expected)
      problem = `jumps from step ${known.lastStep} to step ${step}, so ${describeMissing(expected, step - 1)} missing`;
    else problem = `repeats step ${step} after step ${known.lastStep}`;
  }
  const lastStep = Math.max(known?.lastStep ?? 0, step);
  if (end !== null) {
    state.open.delete(id);
    state.ended.set(id, lastStep * 2 + (end === 'abort' ? 1 : 0));
  } else if (known) {
    // Updated in place: the transaction keeps its place in the order they began.
    known.lastStep = lastStep;
    known.steps++;
    known.last = where;
  } else {
    state.open.set(id, { lastStep, steps: 1, last: where });
  }
  return problem ? gapFinding(id, where, problem, { expected, found: step }) : null;
}

/** `TXN_INCOMPLETE` for every transaction of the ledger still open at its end. */
export function incompleteTransactions(state: LedgerTransactions): Finding[] {
  const findings: Finding[] = [];
  for (const [id, txn] of state.open) {
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
    `Receipt ${where.receipt} (ledger ${where.ledger}, seq ${where.seq}): transaction ${transaction} should number its steps 1, 2, 3 … without gaps or repeats, but it ${problem}.`,
    where,
    { transaction, ...detail },
  );
}

function describeMissing(from: number, to: number): string {
  return from === to ? `step ${from} is` : `steps ${from} to ${to} are`;
}

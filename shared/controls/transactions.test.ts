/**
 * The transaction fold keeps ended transactions in a compact table and open ones in a
 * Map; it must give exactly the findings, in exactly the order, of the plain fold over one
 * `Map` it replaced (kept here as the reference), whatever the steps.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finding, type Finding, type FindingLocation } from '../engine/findings.ts';
import type { ControlCheck } from '../engine/types.ts';
import { testArchive } from './fixtures.test-helper.ts';
import { transactionCheck, type StepProjection } from './transactions.ts';

/** The fold as it was: one Map per ledger, an open transaction an object, an ended one a number. */
function referenceFindings(projections: readonly StepProjection[]): Finding[] {
  const findings: Finding[] = [];
  let ledger: string | null = null;
  type Gap = {
    where: FindingLocation;
    problem: string;
    from: number;
    to: number;
    expected: number;
    found: number;
    filled: Set<number>;
  };
  type Open = { lastStep: number; steps: number; last: FindingLocation; gaps: Gap[]; end: 'commit' | 'abort' | null };
  let transactions = new Map<string, Open | number>();
  const gap = (id: string, where: FindingLocation, problem: string, detail: Record<string, unknown>) =>
    finding(
      'TXN_STEP_GAP',
      `Receipt ${where.receipt} (ledger ${where.ledger}, seq ${where.seq}): transaction ${id} should number its steps 1, 2, 3 … without gaps or repeats, but it ${problem}.`,
      where,
      { transaction: id, ...detail },
    );
  const missingText = (g: Gap) => {
    const left: number[] = [];
    for (let s = g.from; s <= g.to; s++) if (!g.filled.has(s)) left.push(s);
    if (left.length === 0) return null;
    const contiguous = left.length === (left.at(-1) as number) - (left[0] as number) + 1;
    if (!contiguous) return `steps ${left.slice(0, 20).join(', ')}${left.length > 20 ? ' …' : ''} are`;
    return left.length === 1 ? `step ${left[0]} is` : `steps ${left[0]} to ${left.at(-1)} are`;
  };
  const incomplete = () => {
    for (const [id, txn] of transactions) {
      if (typeof txn === 'number') continue;
      for (const g of txn.gaps) {
        const text = missingText(g);
        if (text)
          findings.push(gap(id, g.where, `${g.problem}, so ${text} missing`, { expected: g.expected, found: g.found }));
      }
      if (txn.end) continue;
      findings.push(
        finding(
          'TXN_INCOMPLETE',
          `Transaction ${id} in ledger ${ledger} has ${txn.steps} step(s), the last being step ${txn.lastStep} at seq ${txn.last.seq}, but no step commits or aborts it by the end of the ledger.`,
          txn.last,
          { transaction: id, steps: txn.steps, lastStep: txn.lastStep },
        ),
      );
    }
  };
  for (const [l, id, step, end, seq, receipt, path, line] of projections) {
    if (l !== ledger) {
      if (ledger !== null) incomplete();
      ledger = l;
      transactions = new Map();
    }
    const where: FindingLocation = { path, line, ledger: l, seq, receipt };
    const known = transactions.get(id);
    if (typeof known === 'number') {
      const lastStep = Math.floor(known / 2);
      transactions.set(id, Math.max(lastStep, step) * 2 + (known % 2));
      findings.push(
        gap(
          id,
          where,
          `continues with step ${step} after it ended with ${known % 2 === 1 ? 'abort' : 'commit'} at step ${lastStep}`,
          { expected: null, found: step, endedAt: lastStep },
        ),
      );
      continue;
    }
    const fillable = known?.gaps.find((g) => step >= g.from && step <= g.to && !g.filled.has(step));
    if (known?.end) {
      if (fillable) {
        fillable.filled.add(step);
        known.steps++;
      } else {
        findings.push(
          gap(id, where, `continues with step ${step} after it ended with ${known.end} at step ${known.lastStep}`, {
            expected: null,
            found: step,
            endedAt: known.lastStep,
          }),
        );
      }
      continue;
    }
    const expected = known ? known.lastStep + 1 : 1;
    let problem: string | null = null;
    const gaps = [...(known?.gaps ?? [])];
    if (step > expected) {
      gaps.push({
        where,
        problem: known ? `jumps from step ${known.lastStep} to step ${step}` : `begins with step ${step}, not step 1`,
        from: expected,
        to: step - 1,
        expected,
        found: step,
        filled: new Set(),
      });
    } else if (step < expected && known) {
      if (fillable) {
        fillable.filled.add(step);
        transactions.set(id, { ...known, steps: known.steps + 1, last: where });
        continue;
      }
      problem = `repeats step ${step} after step ${known.lastStep}`;
    }
    const lastStep = Math.max(known?.lastStep ?? 0, step);
    const allFilled = gaps.every((g) => g.filled.size === g.to - g.from + 1);
    if (end !== null && allFilled) transactions.set(id, lastStep * 2 + (end === 'abort' ? 1 : 0));
    else transactions.set(id, { lastStep, steps: (known?.steps ?? 0) + 1, last: where, gaps, end });
    if (problem) findings.push(gap(id, where, problem, { expected, found: step }));
  }
  if (ledger !== null) incomplete();
  return findings;
}

/** One step of transaction `id` in ledger L, at seq and line `seq`. */
const at = (id: string, step: number, end: 'commit' | 'abort' | null, seq: number): StepProjection => [
  'L',
  id,
  step,
  end,
  seq,
  `rc_${seq}`,
  'ledgers/L/000001.jsonl',
  seq,
];

async function checkFindings(projections: readonly StepProjection[]): Promise<readonly Finding[]> {
  const check: ControlCheck = await transactionCheck(testArchive([]));
  for (const projection of projections) check.visitProjection?.(structuredClone(projection));
  return check.finish();
}

/** Receipts of ledgers A then B, seqs counting up, steps of a few (also non-ASCII) transaction ids. */
const projectionsArbitrary = fc
  .tuple(
    fc.array(
      fc.record({
        txn: fc.constantFrom('t1', 't2', 't3', 't4', 'tx-ü', 'tx-\ud800'),
        step: fc.integer({ min: 1, max: 4 }),
        end: fc.constantFrom('commit', 'abort', null, null),
      }),
      { maxLength: 60 },
    ),
    fc.nat({ max: 60 }),
  )
  .map(([steps, split]) =>
    steps.map(({ txn, step, end }, i): StepProjection => {
      const ledger = i < split ? 'A' : 'B';
      return [ledger, txn, step, end as StepProjection[3], i + 1, `rc_${i}`, `ledgers/${ledger}/000001.jsonl`, i + 1];
    }),
  );

describe('transaction fold', () => {
  it('gives the findings of the plain Map fold, in the same order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(projectionsArbitrary, async (projections) => {
        expect(await checkFindings(projections)).toEqual(referenceFindings(projections));
      }),
      { numRuns: 300 },
    );
  });

  it('reports open transactions in the order they began, whatever ended in between', async () => {
    const findings = await checkFindings([
      at('late', 1, null, 1),
      at('done', 1, null, 2),
      at('early', 1, null, 3),
      at('done', 2, 'commit', 4),
      at('late', 2, null, 5),
    ]);
    expect(findings.map((f) => [f.code, f.detail?.transaction, f.seq])).toEqual([
      ['TXN_INCOMPLETE', 'late', 5],
      ['TXN_INCOMPLETE', 'early', 3],
    ]);
  });
});

describe('steps stored out of order', () => {
  it('two steps in swapped order are complete: no gap and no repeat', async () => {
    expect(await checkFindings([at('t', 1, null, 1), at('t', 3, 'commit', 2), at('t', 2, null, 3)])).toEqual([]);
    expect(await checkFindings([at('t', 2, null, 1), at('t', 1, null, 2), at('t', 3, 'commit', 3)])).toEqual([]);
  });

  it('a gap no later step fills is reported at the step that skipped ahead, with what is still missing', async () => {
    const found = await checkFindings([
      at('t', 1, null, 1),
      at('t', 4, null, 2),
      at('t', 2, null, 3),
      at('t', 5, 'abort', 4),
    ]);
    expect(found.map((f) => [f.code, f.seq, f.message.split(' but it ')[1]])).toEqual([
      ['TXN_STEP_GAP', 2, 'jumps from step 1 to step 4, so step 3 is missing.'],
    ]);
  });

  it('a real repeat is still a repeat, and a step after a complete end still goes on after it', async () => {
    const found = await checkFindings([
      at('t', 1, null, 1),
      at('t', 2, null, 2),
      at('t', 2, null, 3),
      at('t', 3, 'commit', 4),
      at('t', 4, null, 5),
    ]);
    expect(found.map((f) => [f.seq, f.message.split(' but it ')[1]])).toEqual([
      [3, 'repeats step 2 after step 2.'],
      [5, 'continues with step 4 after it ended with commit at step 3.'],
    ]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqRunsBuilder, SeqSet } from './chain.ts';

/** Feeds stored seqs (split into segments at `cuts`) through runs into a SeqSet. */
function throughSeqSet(stored: readonly number[], cuts: ReadonlySet<number>) {
  const set = new SeqSet();
  const duplicates: { seq: number; path: string; line: number }[] = [];
  let builder = new SeqRunsBuilder();
  let segment = 1;
  let line = 0;
  const flush = () => {
    for (const e of set.add(`s${segment}`, builder.runs, builder.unreadableAtEnd)) duplicates.push(e);
    builder = new SeqRunsBuilder();
    segment++;
    line = 0;
  };
  stored.forEach((seq, i) => {
    if (cuts.has(i) && i > 0) flush();
    builder.receipt(seq, ++line);
  });
  flush();
  return { duplicates, gaps: set.gaps() };
}

describe('SeqSet: absent and repeated seqs of a whole ledger, whatever the stored order', () => {
  it('agrees with a plain set on random ledgers (omissions, repeats, swaps, any segment cuts)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom('drop', 'repeat', 'swap', 'keep')), { maxLength: 20 }),
        fc.uniqueArray(fc.nat({ max: 80 }), { maxLength: 6 }),
        (n, edits, cuts) => {
          const stored = Array.from({ length: n }, (_, i) => i + 1);
          for (const [at, edit] of edits) {
            const i = at % Math.max(1, stored.length);
            if (stored.length === 0) break;
            if (edit === 'drop') stored.splice(i, 1);
            else if (edit === 'repeat') stored.splice(i, 0, stored[i] as number);
            else if (edit === 'swap' && i + 1 < stored.length)
              [stored[i], stored[i + 1]] = [stored[i + 1] as number, stored[i] as number];
          }
          const { duplicates, gaps } = throughSeqSet(stored, new Set(cuts));
          // Duplicates: every occurrence after the first, at its stored place.
          const seen = new Set<number>();
          const expectedDuplicates: number[] = [];
          for (const seq of stored) {
            if (seen.has(seq)) expectedDuplicates.push(seq);
            seen.add(seq);
          }
          expect(duplicates.map((d) => d.seq).sort((a, b) => a - b)).toEqual(expectedDuplicates.sort((a, b) => a - b));
          // Gaps: exactly the seqs from 1 to the highest held that no line holds.
          const max = Math.max(0, ...stored);
          const absent: number[] = [];
          for (let s = 1; s <= max; s++) if (!seen.has(s)) absent.push(s);
          const reported: number[] = [];
          for (const g of gaps) {
            const m = /(?:receipt (\d+) is|receipts (\d+) to (\d+) are) not in it/.exec(g.message);
            const from = Number(m?.[1] ?? m?.[2]);
            const to = Number(m?.[1] ?? m?.[3]);
            for (let s = from; s <= to; s++) reported.push(s);
            expect(g.seq).toBe(to + 1);
          }
          expect(reported).toEqual(absent);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names where a repeated seq was first stored', () => {
    const { duplicates } = throughSeqSet([1, 2, 3, 2], new Set([3]));
    expect(duplicates).toEqual([
      expect.objectContaining({
        seq: 2,
        path: 's2',
        line: 1,
        message: 'Seq 2 is stored again (first at s1 line 2): the ledger forks.',
      }),
    ]);
  });

  it('unreadable lines before a receipt may hold the seqs missing before it; a span of unknown size holds any', () => {
    const set = new SeqSet();
    const runs = new SeqRunsBuilder();
    runs.receipt(1, 1);
    runs.unreadableLine();
    runs.receipt(3, 3);
    set.add('a', runs.runs, runs.unreadableAtEnd);
    expect(set.gaps()).toEqual([]);
    set.unknownSpan();
    set.add('c', [10, 12, 1, 0], 0);
    expect(set.gaps()).toEqual([]);
    set.add('d', [20, 20, 1, 0], 0);
    expect(set.gaps().map((g) => g.seq)).toEqual([20]);
  });
});

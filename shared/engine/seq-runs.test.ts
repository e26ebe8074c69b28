import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeqRunSet, toSeqRuns } from './seq-runs.ts';

describe('checkpoint seqs as runs', () => {
  it('a checkpoint every k receipts, and one sealing the end, are two runs', () => {
    const seqs = Array.from({ length: 1000 }, (_, i) => (i + 1) * 100);
    expect(toSeqRuns([...seqs, 100_050])).toStrictEqual([100, 100, 1000, 100_050, 1, 1]);
    expect(toSeqRuns(Array.from({ length: 1_000_000 }, (_, i) => i + 1))).toStrictEqual([1, 1, 1_000_000]);
  });

  it('sorts, drops repeats, and keeps a lone seq', () => {
    expect(toSeqRuns([])).toStrictEqual([]);
    expect(toSeqRuns([7])).toStrictEqual([7, 1, 1]);
    expect(toSeqRuns([9, 3, 3, 6])).toStrictEqual([3, 3, 3]);
    expect(toSeqRuns([1, 2, 4, 8, 16])).toStrictEqual([1, 1, 2, 4, 4, 2, 16, 1, 1]);
  });

  it('holds exactly the seqs given, and is never more than 1.5 times their count in numbers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 120 }),
        fc.integer({ min: -5, max: 310 }),
        (seqs, probe) => {
          const runs = toSeqRuns(seqs);
          const set = new SeqRunSet(runs);
          const distinct = new Set(seqs);
          for (let seq = -5; seq <= 310; seq++) expect(set.has(seq)).toBe(distinct.has(seq));
          expect(set.has(probe + 0.5)).toBe(false);
          expect(runs.length).toBeLessThanOrEqual(Math.ceil(distinct.size * 1.5) + 1);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses runs that are not triples', () => {
    expect(() => new SeqRunSet([1, 1])).toThrow(TypeError);
  });
});

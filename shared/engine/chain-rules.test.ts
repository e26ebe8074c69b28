/**
 * The chain's rules one at a time (shared/engine/chain.ts), each with its code and exact
 * message: the link rule (linkProblems), the runs a segment's receipts make (SeqRunsBuilder),
 * and the absent and repeated seqs of a whole ledger (SeqSet), with the unreadable lines
 * that may hold absent seqs, at the bound and one past it. chain.test.ts checks SeqSet
 * against a plain set on random ledgers; the tamper table checks the rules through the engine.
 */
import { describe, expect, it } from 'vitest';
import { ZERO_HASH } from '../format/hash.ts';
import { instantOf, type Instant } from '../format/time.ts';
import { linkProblems, SeqRunsBuilder, SeqSet, UNKNOWN_SPAN, type ChainTail, type LinkInput } from './chain.ts';

const h = (c: string) => `sha256:${c.repeat(64)}`;
const at = (ts: string) => instantOf(ts) as Instant;

const T1 = '2026-01-01T00:00:01Z';
const T2 = '2026-01-01T00:00:02Z';
const tail = (seq: number, hash = h('a'), ts = T2): ChainTail => ({ seq, hash, ts, instant: at(ts) });
const link = (seq: number, prev: string, ts = T2): LinkInput => ({ seq, prev, ts, instant: at(ts) });

describe('linkProblems', () => {
  describe('the first line of a ledger', () => {
    it('seq 1 must link to the zero hash: CHAIN_BROKEN naming both hashes otherwise', () => {
      expect(linkProblems(null, null, link(1, ZERO_HASH))).toEqual([]);
      expect(linkProblems(null, null, link(1, h('b')))).toEqual([
        { code: 'CHAIN_BROKEN', message: `The first receipt's prev must be ${ZERO_HASH}, found ${h('b')}.` },
      ]);
    });

    it('a first line past seq 1 is not judged here (its absent seqs are CHAIN_GAP, on the whole ledger)', () => {
      expect(linkProblems(null, null, link(2, h('b')))).toEqual([]);
    });

    it('after an unreadable first line, or an unknown span, seq 1 is not judged', () => {
      expect(linkProblems(null, h('u'), link(1, h('b')))).toEqual([]);
      expect(linkProblems(null, UNKNOWN_SPAN, link(1, h('b')))).toEqual([]);
    });
  });

  describe('a line after a receipt', () => {
    it('links when prev is the hash of the line stored before', () => {
      expect(linkProblems(tail(5), null, link(6, h('a')))).toEqual([]);
      // Whatever the seq: a link is judged on the stored order alone.
      expect(linkProblems(tail(5), null, link(9, h('a')))).toEqual([]);
      expect(linkProblems(tail(5), null, link(3, h('a')))).toEqual([]);
    });

    it('the next seq with another prev: CHAIN_BROKEN naming the seq before and its hash', () => {
      expect(linkProblems(tail(5), null, link(6, h('b')))).toEqual([
        { code: 'CHAIN_BROKEN', message: `prev is ${h('b')}, but the hash of the line before (seq 5) is ${h('a')}.` },
      ]);
    });

    it('a lower seq stored after a higher one: the swap is said', () => {
      expect(linkProblems(tail(5), null, link(4, h('b')))).toEqual([
        {
          code: 'CHAIN_BROKEN',
          message: `Seq 5 is stored before seq 4: the chain as stored is broken (prev is ${h('b')}, the line stored before it hashes to ${h('a')}).`,
        },
      ]);
    });

    it('the same seq stored twice in a row', () => {
      expect(linkProblems(tail(5), null, link(5, h('b')))).toEqual([
        {
          code: 'CHAIN_BROKEN',
          message: `Seq 5 is stored again right after itself; its prev ${h('b')} is not the hash of the line stored before it (${h('a')}).`,
        },
      ]);
    });

    it('a seq past the next one', () => {
      expect(linkProblems(tail(5), null, link(7, h('b')))).toEqual([
        {
          code: 'CHAIN_BROKEN',
          message: `Seq 7 is stored right after seq 5; its prev ${h('b')} is not the hash of that line (${h('a')}).`,
        },
      ]);
    });
  });

  describe('a line after an unreadable one', () => {
    it("links to the unreadable line's hash, not to the last receipt's", () => {
      expect(linkProblems(tail(5), h('u'), link(7, h('u')))).toEqual([]);
      expect(linkProblems(tail(5), h('u'), link(6, h('a')))).toEqual([
        {
          code: 'CHAIN_BROKEN',
          message: `prev is ${h('a')}, but the unreadable line stored before it hashes to ${h('u')}.`,
        },
      ]);
    });

    it('after a span of unknown size, no link is judged', () => {
      expect(linkProblems(tail(5), UNKNOWN_SPAN, link(6, h('b')))).toEqual([]);
      expect(UNKNOWN_SPAN).toBe('unknown span');
    });
  });

  describe('time', () => {
    it('the next seq earlier than the receipt before: TIME_REGRESSION naming both times and the seq', () => {
      expect(linkProblems(tail(5, h('a'), T2), null, link(6, h('a'), T1))).toEqual([
        {
          code: 'TIME_REGRESSION',
          message: `Receipt time ${T1} is earlier than the previous receipt's (${T2}, seq 5).`,
        },
      ]);
    });

    it('the same time is not a regression', () => {
      expect(linkProblems(tail(5, h('a'), T2), null, link(6, h('a'), T2))).toEqual([]);
    });

    it('is judged only between consecutive seqs stored one after the other', () => {
      expect(linkProblems(tail(5, h('a'), T2), null, link(7, h('a'), T1))).toEqual([]);
      expect(linkProblems(tail(5, h('a'), T2), null, link(4, h('a'), T1))).toEqual([]);
      expect(linkProblems(tail(5, h('a'), T2), h('u'), link(6, h('u'), T1))).toEqual([]);
      expect(linkProblems(tail(5, h('a'), T2), UNKNOWN_SPAN, link(6, h('a'), T1))).toEqual([]);
    });

    it('comes before a broken link on the same line', () => {
      expect(linkProblems(tail(5, h('a'), T2), null, link(6, h('b'), T1)).map((p) => p.code)).toEqual([
        'TIME_REGRESSION',
        'CHAIN_BROKEN',
      ]);
    });
  });
});

describe('SeqRunsBuilder', () => {
  it('an intact segment is one run: first seq, last seq, first line, no unreadable line before', () => {
    const b = new SeqRunsBuilder();
    for (let i = 1; i <= 4; i++) b.receipt(i + 10, i);
    expect(b.runs).toEqual([11, 14, 1, 0]);
    expect(b.unreadableAtEnd).toBe(0);
  });

  it('a run ends where the seq jumps, goes back or repeats', () => {
    const b = new SeqRunsBuilder();
    [1, 2, 4, 3, 3].forEach((seq, i) => b.receipt(seq, i + 1));
    expect(b.runs).toEqual([1, 2, 1, 0, 4, 4, 3, 0, 3, 3, 4, 0, 3, 3, 5, 0]);
  });

  it('a run ends where the line jumps, even when the seq goes on', () => {
    const b = new SeqRunsBuilder();
    b.receipt(1, 1);
    b.receipt(2, 3);
    expect(b.runs).toEqual([1, 1, 1, 0, 2, 2, 3, 0]);
  });

  it('unreadable lines end a run and are counted before the next; those after the last receipt are at the end', () => {
    const b = new SeqRunsBuilder();
    b.unreadableLine();
    b.receipt(1, 2);
    b.unreadableLine();
    b.unreadableLine();
    b.receipt(2, 5);
    b.receipt(3, 6);
    expect(b.unreadableAtEnd).toBe(0);
    b.unreadableLine();
    expect(b.runs).toEqual([1, 1, 2, 1, 2, 3, 5, 2]);
    expect(b.unreadableAtEnd).toBe(1);
  });
});

/** A SeqSet fed one segment per [path, runs, unreadableAfter]; its duplicates and gaps. */
function ledger(...segments: [string, number[], number][]) {
  const set = new SeqSet();
  const duplicates = segments.flatMap(([path, runs, after]) => set.add(path, runs, after));
  return { set, duplicates, gaps: set.gaps() };
}

describe('SeqSet', () => {
  describe('absent seqs (CHAIN_GAP), at the first receipt after them', () => {
    it('none for an intact ledger, however it is cut into segments', () => {
      expect(ledger(['a', [1, 3, 1, 0], 0], ['b', [4, 9, 1, 0], 0]).gaps).toEqual([]);
    });

    it('one absent at the start, then several', () => {
      expect(ledger(['a', [2, 5, 1, 0], 0]).gaps).toEqual([
        {
          code: 'CHAIN_GAP',
          message: 'The ledger starts at seq 2; receipt 1 is not in it.',
          path: 'a',
          line: 1,
          seq: 2,
        },
      ]);
      expect(ledger(['a', [4, 5, 7, 0], 0]).gaps).toEqual([
        {
          code: 'CHAIN_GAP',
          message: 'The ledger starts at seq 4; receipts 1 to 3 are not in it.',
          path: 'a',
          line: 7,
          seq: 4,
        },
      ]);
    });

    it('one absent in the middle, then several', () => {
      expect(ledger(['a', [1, 3, 1, 0, 5, 6, 4, 0], 0]).gaps).toEqual([
        {
          code: 'CHAIN_GAP',
          message: 'Seq 5 is the next receipt after seq 3 in the ledger; receipt 4 is not in it.',
          path: 'a',
          line: 4,
          seq: 5,
        },
      ]);
      expect(ledger(['a', [1, 3, 1, 0], 0], ['b', [7, 8, 1, 0], 0]).gaps).toEqual([
        {
          code: 'CHAIN_GAP',
          message: 'Seq 7 is the next receipt after seq 3 in the ledger; receipts 4 to 6 are not in it.',
          path: 'b',
          line: 1,
          seq: 7,
        },
      ]);
    });

    it('as many unreadable lines before the receipt as seqs absent may hold them all: no gap; one fewer, a gap that says so', () => {
      expect(ledger(['a', [1, 3, 1, 0, 6, 6, 6, 2], 0]).gaps).toEqual([]);
      expect(ledger(['a', [1, 3, 1, 0, 6, 6, 5, 1], 0]).gaps).toEqual([
        expect.objectContaining({
          message:
            'Seq 6 is the next receipt after seq 3 in the ledger; receipts 4 to 5 are not in it (1 unreadable line stored before seq 6 may hold some of them).',
          seq: 6,
        }),
      ]);
      expect(ledger(['a', [1, 3, 1, 0, 7, 7, 6, 2], 0]).gaps.map((g) => g.message)).toEqual([
        'Seq 7 is the next receipt after seq 3 in the ledger; receipts 4 to 6 are not in it (2 unreadable lines stored before seq 7 may hold some of them).',
      ]);
    });

    it('unreadable lines at the end of a segment count before the first run of the next', () => {
      expect(ledger(['a', [1, 3, 1, 0], 2], ['b', [6, 6, 1, 0], 0]).gaps).toEqual([]);
      expect(ledger(['a', [1, 3, 1, 0], 1], ['b', [6, 6, 1, 0], 0]).gaps.map((g) => g.seq)).toEqual([6]);
      // Only before its first run: the second run of the next segment gets its own count.
      expect(ledger(['a', [1, 3, 1, 0], 5], ['b', [4, 4, 1, 0, 7, 7, 2, 0], 0]).gaps.map((g) => g.seq)).toEqual([7]);
    });

    it('a segment with no receipt passes its unreadable lines on, added to those before it', () => {
      expect(ledger(['a', [1, 3, 1, 0], 1], ['b', [], 1], ['c', [6, 6, 1, 0], 0]).gaps).toEqual([]);
      expect(ledger(['a', [1, 3, 1, 0], 1], ['b', [], 1], ['c', [7, 7, 1, 0], 0]).gaps.map((g) => g.seq)).toEqual([7]);
      // A segment with receipts starts the count again.
      expect(
        ledger(['a', [1, 1, 1, 0], 9], ['b', [2, 2, 1, 0], 0], ['c', [5, 5, 1, 0], 0]).gaps.map((g) => g.seq),
      ).toEqual([5]);
    });

    it('a first segment with no receipt adds no seq: the gap before the first receipt is still found', () => {
      expect(ledger(['a', [], 0], ['b', [3, 4, 1, 0], 0]).gaps.map((g) => g.message)).toEqual([
        'The ledger starts at seq 3; receipts 1 to 2 are not in it.',
      ]);
    });

    it('a span of unknown size may hold any number of absent seqs', () => {
      const set = new SeqSet();
      set.add('a', [1, 1, 1, 0], 0);
      set.unknownSpan();
      set.add('b', [100, 100, 1, 0], 0);
      expect(set.gaps()).toEqual([]);
    });

    it('seqs stored out of order leave no gap once every one is there', () => {
      expect(ledger(['a', [1, 2, 1, 0, 5, 6, 3, 0, 3, 4, 5, 0], 0]).gaps).toEqual([]);
    });
  });

  describe('repeated seqs (CHAIN_DUPLICATE_SEQ), where the second copy is', () => {
    it('names the first copy by its file and line', () => {
      const { duplicates } = ledger(['a', [1, 3, 1, 0], 0], ['b', [4, 6, 1, 0], 0], ['c', [5, 5, 8, 0], 0]);
      expect(duplicates).toEqual([
        {
          code: 'CHAIN_DUPLICATE_SEQ',
          message: 'Seq 5 is stored again (first at b line 2): the ledger forks.',
          path: 'c',
          line: 8,
          seq: 5,
        },
      ]);
    });

    it('a run continues the one before only in the same file, on the next line', () => {
      // Same file, but the lines jump: two intervals, and the first copy of 5 is at line 11.
      const jump = ledger(['a', [1, 3, 1, 0], 0], ['a', [4, 6, 10, 0], 0], ['c', [5, 5, 1, 0], 0]);
      expect(jump.duplicates.map((d) => d.message)).toEqual([
        'Seq 5 is stored again (first at a line 11): the ledger forks.',
      ]);
      // Same file, lines jump by as much as the seqs do from the run's start: still two intervals.
      const far = ledger(['a', [1, 3, 1, 0], 0], ['a', [4, 6, 6, 0], 0], ['c', [5, 5, 1, 0], 0]);
      expect(far.duplicates.map((d) => d.message)).toEqual([
        'Seq 5 is stored again (first at a line 7): the ledger forks.',
      ]);
      // The next line, but another file: two intervals, and the first copy of 5 is in b.
      const file = ledger(['a', [1, 3, 1, 0], 0], ['b', [4, 6, 4, 0], 0], ['c', [5, 5, 1, 0], 0]);
      expect(file.duplicates.map((d) => d.message)).toEqual([
        'Seq 5 is stored again (first at b line 5): the ledger forks.',
      ]);
      const same = ledger(['a', [1, 3, 1, 0], 0], ['a', [4, 6, 4, 0], 0], ['c', [5, 5, 1, 0], 0]);
      expect(same.duplicates.map((d) => d.message)).toEqual([
        'Seq 5 is stored again (first at a line 5): the ledger forks.',
      ]);
    });

    it('each seq of an overlapping run is reported once, at its own line; the rest of the run is kept', () => {
      const { duplicates, gaps } = ledger(['a', [1, 2, 1, 0, 5, 6, 3, 0], 0], ['b', [2, 7, 1, 0], 0]);
      expect(duplicates.map((d) => [d.seq, d.line, d.message])).toEqual([
        [2, 1, 'Seq 2 is stored again (first at a line 2): the ledger forks.'],
        [5, 4, 'Seq 5 is stored again (first at a line 3): the ledger forks.'],
        [6, 5, 'Seq 6 is stored again (first at a line 4): the ledger forks.'],
      ]);
      expect(gaps).toEqual([]);
      // The kept pieces (3-4 and 7) are where later copies say the first one is.
      const later = new SeqSet();
      later.add('a', [1, 2, 1, 0, 5, 6, 3, 0], 0);
      later.add('b', [2, 7, 1, 0], 0);
      expect(later.add('c', [3, 3, 1, 0, 7, 7, 9, 0], 0).map((d) => d.message)).toEqual([
        'Seq 3 is stored again (first at b line 2): the ledger forks.',
        'Seq 7 is stored again (first at b line 6): the ledger forks.',
      ]);
    });

    it('a run stored before the ones it precedes fills in, and its unreadable lines still count', () => {
      const set = new SeqSet();
      set.add('a', [10, 12, 1, 0], 0);
      set.add('b', [1, 3, 1, 0, 7, 8, 6, 2], 0);
      expect(set.gaps().map((g) => [g.seq, g.message])).toEqual([
        [
          7,
          'Seq 7 is the next receipt after seq 3 in the ledger; receipts 4 to 6 are not in it (2 unreadable lines stored before seq 7 may hold some of them).',
        ],
        [10, 'Seq 10 is the next receipt after seq 8 in the ledger; receipt 9 is not in it.'],
      ]);
    });
  });
});

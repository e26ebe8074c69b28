import { describe, expect, it } from 'vitest';
import type { Impact } from '../../../shared/policy/impact.ts';
import type { ShareResult } from '../../workers/impact-protocol.ts';
import { mergeShares, planAll, planLines, planRows, splitShares } from './impact-plan.ts';

const impact = (n: number, changed: string[], errors = 0): Impact => ({
  evaluated: n,
  unchanged: n - changed.length - errors,
  changed: changed.map((receipt, i) => ({
    receipt,
    ledger: 'l',
    seq: i + 1,
    action: receipt.startsWith('r') ? 'db.read' : 'kb.search',
    kind: 'allow-to-deny',
    from: { effect: 'allow', policies: ['tier-read'] },
    to: { effect: 'deny', policies: ['no-legacy'] },
  })),
  errors: [],
  errorCount: errors,
  counts: { allowToDeny: changed.length, denyToAllow: 0, otherPolicies: 0 },
  byPolicy: { 'no-legacy': changed.length, 'tier-read': changed.length },
  byAction: Object.fromEntries(
    [...new Set(changed.map((c) => (c.startsWith('r') ? 'db.read' : 'kb.search')))].map((a) => [
      a,
      {
        allowToDeny: changed.filter((c) => (c.startsWith('r') ? 'db.read' : 'kb.search') === a).length,
        denyToAllow: 0,
        otherPolicies: 0,
      },
    ]),
  ),
  cedarCalls: 3,
});

const share = (r: Partial<ShareResult>): ShareResult => ({
  linesRead: 0,
  readMs: 0,
  notStored: 0,
  notReceipts: 0,
  bundleCounts: new Map(),
  noBundle: 0,
  impact: null,
  changedRows: [],
  ...r,
});

describe('impact plan', () => {
  it('every stored chunk of every ledger, ledgers by name, the last chunk short', () => {
    const tasks = planAll({ 'gw-us-1': 1500, 'gw-eu-1': 1000, empty: 0 }, 1000);
    expect(tasks).toEqual([
      { ledger: 'gw-eu-1', chunkNo: 0, start: 0, lines: 1000 },
      { ledger: 'gw-us-1', chunkNo: 0, start: 0, lines: 1000 },
      { ledger: 'gw-us-1', chunkNo: 1, start: 1000, lines: 500 },
    ]);
    expect(planLines(tasks)).toBe(2500);
    // The archive's own chunk size: 100 lines a chunk gives 25 chunks of the same lines.
    const small = planAll({ 'gw-us-1': 1500, 'gw-eu-1': 1000, empty: 0 }, 100);
    expect(small).toHaveLength(25);
    expect(small.at(-1)).toEqual({ ledger: 'gw-us-1', chunkNo: 14, start: 1400, lines: 100 });
    expect(planLines(small)).toBe(2500);
    expect(planAll({ a: 250 }, 100).map((t) => [t.start, t.lines])).toEqual([
      [0, 100],
      [100, 100],
      [200, 50],
    ]);
    expect(() => planAll({ a: 1 }, 0)).toThrow(RangeError);
  });

  it('a filter’s rows become chunk offsets in their ledgers', () => {
    const table = { ledgers: ['a', 'b'], ledgerStart: [0, 2500], count: 4000 };
    const tasks = planRows(table, Uint32Array.of(0, 999, 1000, 2499, 2500, 3999), 1000);
    expect(tasks).toEqual([
      { ledger: 'a', chunkNo: 0, start: 0, offsets: [0, 999], lines: 2 },
      { ledger: 'a', chunkNo: 1, start: 1000, offsets: [0], lines: 1 },
      { ledger: 'a', chunkNo: 2, start: 2000, offsets: [499], lines: 1 },
      { ledger: 'b', chunkNo: 0, start: 0, offsets: [0], lines: 1 },
      { ledger: 'b', chunkNo: 1, start: 1000, offsets: [499], lines: 1 },
    ]);
    expect(planRows(table, Uint32Array.of(0, 99, 100, 2499, 3999), 100)).toEqual([
      { ledger: 'a', chunkNo: 0, start: 0, offsets: [0, 99], lines: 2 },
      { ledger: 'a', chunkNo: 1, start: 100, offsets: [0], lines: 1 },
      { ledger: 'a', chunkNo: 24, start: 2400, offsets: [99], lines: 1 },
      { ledger: 'b', chunkNo: 14, start: 1400, offsets: [99], lines: 1 },
    ]);
    expect(() => planRows(table, [5, 5], 1000)).toThrow(/ascending/);
    expect(() => planRows(table, [5], 1.5)).toThrow(RangeError);
  });

  it('shares are contiguous, cover every task once and are about equal', () => {
    const tasks = planAll({ a: 10_000, b: 7_500 }, 1000);
    for (const parts of [1, 2, 3, 4, 50]) {
      const shares = splitShares(tasks, parts);
      expect(shares.flat()).toEqual(tasks);
      expect(shares.length).toBeLessThanOrEqual(Math.min(parts, tasks.length));
      expect(shares.every((s) => s.length > 0)).toBe(true);
      if (parts === 2) expect(shares.map(planLines)).toEqual([9000, 8500]);
    }
    expect(splitShares([], 2)).toEqual([]);
    expect(() => splitShares(tasks, 0)).toThrow(RangeError);
  });

  it('merging keeps share order and sums every count', () => {
    const merged = mergeShares([
      share({
        linesRead: 3,
        notReceipts: 1,
        bundleCounts: new Map([['x', 2]]),
        impact: impact(2, ['r1']),
        changedRows: [4],
      }),
      share({
        linesRead: 4,
        notStored: 2,
        noBundle: 1,
        bundleCounts: new Map([
          ['x', 1],
          ['y', 2],
        ]),
      }),
      share({ linesRead: 5, impact: impact(5, ['s1', 'r2'], 1), changedRows: [9, 11] }),
    ]);
    expect(merged.linesRead).toBe(12);
    expect(merged.notStored).toBe(2);
    expect(merged.notReceipts).toBe(1);
    expect(merged.noBundle).toBe(1);
    expect([...merged.bundleCounts]).toEqual([
      ['x', 3],
      ['y', 2],
    ]);
    expect(merged.changedRows).toEqual([4, 9, 11]);
    const i = merged.impact!;
    expect(i.changed.map((c) => c.receipt)).toEqual(['r1', 's1', 'r2']);
    expect(i.evaluated).toBe(7);
    expect(i.unchanged).toBe(3);
    expect(i.errorCount).toBe(1);
    expect(i.counts).toEqual({ allowToDeny: 3, denyToAllow: 0, otherPolicies: 0 });
    expect(i.byPolicy).toEqual({ 'no-legacy': 3, 'tier-read': 3 });
    expect(i.byAction).toEqual({
      'db.read': { allowToDeny: 2, denyToAllow: 0, otherPolicies: 0 },
      'kb.search': { allowToDeny: 1, denyToAllow: 0, otherPolicies: 0 },
    });
    expect(i.cedarCalls).toBe(6);
    expect(mergeShares([share({ linesRead: 1 })]).impact).toBeNull();
  });

  it('an id that is also an object member (__proto__) is counted like any other', () => {
    const a = impact(1, ['r1']);
    const odd = JSON.parse('{"__proto__": 2}') as Record<string, number>;
    const out = mergeShares([share({ impact: { ...a, byPolicy: odd } }), share({ impact: { ...a, byPolicy: odd } })]);
    expect(Object.entries(out.impact!.byPolicy)).toEqual([['__proto__', 4]]);
    expect(({} as Record<string, unknown>).allowToDeny).toBeUndefined();
  });

  it('lists changed outcomes by ledger, then seq, whatever order the store held them in; rows follow', () => {
    const a = impact(2, ['r1', 'r2']);
    const out = mergeShares([
      share({
        impact: {
          ...a,
          changed: [
            { ...a.changed[0]!, seq: 1001 },
            { ...a.changed[1]!, seq: 34 },
          ],
        },
        changedRows: [113, 233],
      }),
      share({ impact: { ...a, changed: [{ ...a.changed[0]!, ledger: 'a', seq: 9 }] }, changedRows: [7] }),
    ]);
    expect(out.impact!.changed.map((c) => `${c.ledger}#${c.seq}`)).toEqual(['a#9', 'l#34', 'l#1001']);
    expect(out.changedRows).toEqual([7, 233, 113]);
  });
});

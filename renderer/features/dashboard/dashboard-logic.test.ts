import { describe, expect, it } from 'vitest';
import { finding } from '../../../shared/engine/findings.ts';
import type { LedgerSummary } from '../../../shared/engine/types.ts';
import { findingStats } from './finding-stats.ts';
import { codesForCriterion, criteriaFor } from '../../components/soc2-criteria.ts';
import { layoutTimeline } from './timeline-geometry.ts';
import { STATE_LABEL } from './LedgerStates.tsx';
import { attentionFirst, stateCounts } from './many-ledgers.tsx';

describe('findingStats', () => {
  const findings = [
    finding('CHAIN_BROKEN', 'a'),
    finding('SIGNATURE_INVALID', 'b'),
    finding('SIGNATURE_INVALID', 'c'),
    finding('CHAIN_UNSEALED', 'd'),
    finding('TIER_VIOLATION', 'e'),
  ];
  const stats = findingStats(findings, criteriaFor);

  it('counts by severity and separates integrity from control', () => {
    expect(stats.bySeverity).toEqual({ critical: 3, high: 1, warning: 1 });
    expect(stats.integrity).toBe(4);
    expect(stats.control).toBe(1);
  });

  it('orders codes worst first, then by count', () => {
    expect(stats.byCode.map((c) => [c.code, c.count, c.category])).toEqual([
      ['SIGNATURE_INVALID', 2, 'integrity'],
      ['CHAIN_BROKEN', 1, 'integrity'],
      ['TIER_VIOLATION', 1, 'control'],
      ['CHAIN_UNSEALED', 1, 'integrity'],
    ]);
  });

  it('counts a finding under every criterion it bears on, CC first, and the criterion leads back to its codes', () => {
    const pi15 = stats.byCriterion.find((c) => c.criterion === 'PI1.5');
    expect(pi15?.count).toBe(4); // CHAIN_BROKEN, 2 × SIGNATURE_INVALID, CHAIN_UNSEALED
    expect(stats.byCriterion[0]?.criterion.startsWith('CC')).toBe(true);
    for (const code of pi15?.codes ?? []) expect(codesForCriterion('PI1.5')).toContain(code);
  });
});

describe('layoutTimeline', () => {
  const ledger = (over: Partial<LedgerSummary>): LedgerSummary => ({
    ledger: 'a',
    receipts: 10,
    segments: [],
    firstSeq: 1,
    lastSeq: 10,
    sealedSeq: 10,
    checkpoints: 1,
    state: 'verified',
    stateReason: '',
    claimed: null,
    proven: null,
    ...over,
  });
  const period = { from: '2026-04-01T00:00:00Z', to: '2026-04-11T00:00:00Z' };

  it('draws the unproven rest of a claimed period after the proven part', () => {
    const t = layoutTimeline(
      [
        ledger({
          state: 'unsealed',
          claimed: { from: '2026-04-01T00:00:00Z', to: '2026-04-11T00:00:00Z' },
          proven: { from: '2026-04-01T00:00:00Z', to: '2026-04-09T00:00:00Z' },
        }),
      ],
      period,
      [],
      () => null,
      String,
    );
    const track = t?.tracks[0];
    expect(track?.proven).toEqual({ x0: 0, x1: 0.8 });
    expect(track?.unproven).toEqual({ x0: 0.8, x1: 1 });
  });

  it('a ledger with nothing proven is unproven end to end, and chain findings become marks at their receipt’s time', () => {
    const findings = [
      finding('CHAIN_BROKEN', 'x', { ledger: 'a', seq: 5 }),
      finding('TIER_VIOLATION', 'not a chain mark', { ledger: 'a', seq: 6 }),
    ];
    const t = layoutTimeline(
      [ledger({ state: 'tampered', claimed: period })],
      period,
      findings,
      () => Date.parse('2026-04-06T00:00:00Z'),
      String,
    );
    expect(t?.tracks[0]?.unproven).toEqual({ x0: 0, x1: 1 });
    expect(t?.tracks[0]?.marks.map((m) => [m.code, m.x])).toEqual([['CHAIN_BROKEN', 0.5]]);
    expect(t?.tracks[0]?.description).toContain('1 point where the chain is not continuous');
  });

  it('nothing to draw without any time', () => {
    expect(layoutTimeline([ledger({})], null, [], () => null, String)).toBeNull();
  });
});

describe('many ledgers: those needing attention first, states counted', () => {
  it('keeps each group in its own order', () => {
    const items = [1, 2, 3, 4, 5, 6];
    expect(attentionFirst(items, (n) => n % 3 === 0)).toEqual([3, 6, 1, 2, 4, 5]);
    expect(attentionFirst(items, () => false)).toEqual(items);
  });

  it('counts states in the order they first come, with the labels shown', () => {
    const states = ['verified', 'tampered', 'verified', 'unsealed', 'verified'] as const;
    expect(stateCounts(states, STATE_LABEL)).toBe('5 ledgers: 3 verified, 1 tampered, 1 unsealed tail');
    expect(stateCounts(Array(1200).fill('verified'), STATE_LABEL)).toBe('1,200 ledgers: 1,200 verified');
  });
});

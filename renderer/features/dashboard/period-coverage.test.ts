import { describe, expect, it } from 'vitest';
import type { Period } from '../../../shared/engine/types.ts';
import { comparePeriods, coverageTone, describeCoverage, type LedgerProof } from './period-coverage.ts';

const H1_2026 = { periodFrom: '2026-01-01', periodTo: '2026-06-30' };
const period = (from: string, to: string): Period => ({ from, to });
const ledger = (name: string, proven: Period | null): LedgerProof => ({ ledger: name, proven });
/** The demo archive's claim and proofs (two ledgers, first receipts after midnight, last before). */
const DEMO_CLAIM = period('2026-04-01T00:00:00.000Z', '2026-06-30T23:59:59.000Z');
const DEMO_LEDGERS = [
  ledger('gw-eu-1', period('2026-04-01T01:28:53.517Z', '2026-06-30T21:29:14.130Z')),
  ledger('gw-us-1', period('2026-04-01T00:24:36.379Z', '2026-06-30T21:41:05.234Z')),
];

describe('comparePeriods', () => {
  it('an engagement with no period is not compared at all', () => {
    for (const engagement of [
      null,
      { periodFrom: null, periodTo: null },
      { periodFrom: '2026-01-01', periodTo: null },
      { periodFrom: '2026-07-01', periodTo: '2026-06-30' },
      { periodFrom: '2026-02-30', periodTo: '2026-03-01' },
    ]) {
      const coverage = comparePeriods(engagement, DEMO_CLAIM, DEMO_LEDGERS);
      expect(coverage).toEqual({ kind: 'not-set' });
      expect(describeCoverage(coverage)).toBe(
        'Engagement period not set: coverage of the examination period was not checked.',
      );
      expect(coverageTone(coverage)).toBe('not-set');
    }
  });

  it('counts days with both ends included: January to March 2026 is 31 + 28 + 31 = 90 days', () => {
    const coverage = comparePeriods(H1_2026, DEMO_CLAIM, DEMO_LEDGERS);
    if (coverage.kind !== 'checked') throw new Error('expected a comparison');
    expect(coverage.engagementDays).toBe(181);
    expect(coverage.coveredDays).toBe(91); // April 30 + May 31 + June 30
    expect(coverage.uncoveredDays).toBe(90);
    expect(describeCoverage(coverage)).toBe(
      "Engagement period 2026-01-01 – 2026-06-30 (181 days). This archive's evidence, proven continuous in both ledgers, covers 2026-04-01 – 2026-06-30: 90 days of the period are not covered (2026-01-01 – 2026-03-31).",
    );
    expect(coverageTone(coverage)).toBe('partial');
  });

  it('a period covered end to end says so', () => {
    const coverage = comparePeriods({ periodFrom: '2026-04-01', periodTo: '2026-06-30' }, DEMO_CLAIM, DEMO_LEDGERS);
    expect(describeCoverage(coverage)).toBe(
      "Engagement period 2026-04-01 – 2026-06-30 (91 days). This archive's evidence, proven continuous in both ledgers, covers 2026-04-01 – 2026-06-30: it covers the whole period.",
    );
    expect(coverageTone(coverage)).toBe('whole');
  });

  it('days are UTC: a proof ending at 23:59:59Z and one starting at 00:00:00Z touch their own days only', () => {
    const coverage = comparePeriods({ periodFrom: '2026-03-31', periodTo: '2026-04-02' }, null, [
      ledger('a', period('2026-04-01T00:00:00Z', '2026-04-01T23:59:59.999Z')),
    ]);
    if (coverage.kind !== 'checked') throw new Error('expected a comparison');
    expect(coverage.proven).toEqual({ from: Date.UTC(2026, 3, 1) / 86_400_000, to: Date.UTC(2026, 3, 1) / 86_400_000 });
    expect(coverage.uncovered.length).toBe(2);
    expect(describeCoverage(coverage)).toContain(
      'covers 2026-04-01: 2 days of the period are not covered (2026-03-31 and 2026-04-02).',
    );
  });

  it('a partial overlap at both ends lists both uncovered parts', () => {
    const coverage = comparePeriods({ periodFrom: '2026-04-01', periodTo: '2026-04-30' }, null, [
      ledger('a', period('2026-04-11T08:00:00Z', '2026-04-20T17:00:00Z')),
    ]);
    expect(describeCoverage(coverage)).toBe(
      "Engagement period 2026-04-01 – 2026-04-30 (30 days). This archive's evidence, proven continuous in its ledger, covers 2026-04-11 – 2026-04-20: 20 days of the period are not covered (2026-04-01 – 2026-04-10 and 2026-04-21 – 2026-04-30).",
    );
  });

  it('evidence reaching past the engagement period covers the whole period, and no more is claimed', () => {
    const coverage = comparePeriods({ periodFrom: '2026-05-01', periodTo: '2026-05-31' }, DEMO_CLAIM, DEMO_LEDGERS);
    if (coverage.kind !== 'checked') throw new Error('expected a comparison');
    expect([coverage.coveredDays, coverage.uncoveredDays]).toEqual([31, 0]);
  });

  it('evidence entirely outside the period covers none of it', () => {
    const coverage = comparePeriods({ periodFrom: '2025-07-01', periodTo: '2025-12-31' }, DEMO_CLAIM, DEMO_LEDGERS);
    expect(describeCoverage(coverage)).toBe(
      "Engagement period 2025-07-01 – 2025-12-31 (184 days). This archive's evidence, proven continuous in both ledgers, covers 2026-04-01 – 2026-06-30, outside the engagement period: none of its 184 days is covered.",
    );
    expect(coverageTone(coverage)).toBe('none');
  });

  it('a day counts only when every ledger is proven on it: a ledger proven to mid-May cuts the coverage there', () => {
    const coverage = comparePeriods({ periodFrom: '2026-04-01', periodTo: '2026-06-30' }, DEMO_CLAIM, [
      ledger('gw-eu-1', period('2026-04-01T01:00:00Z', '2026-05-15T12:00:00Z')),
      ledger('gw-us-1', period('2026-04-01T00:30:00Z', '2026-06-30T21:00:00Z')),
    ]);
    expect(describeCoverage(coverage)).toBe(
      "Engagement period 2026-04-01 – 2026-06-30 (91 days). This archive's evidence, proven continuous in both ledgers, covers 2026-04-01 – 2026-05-15: 46 days of the period are not covered (2026-05-16 – 2026-06-30). The archive claims 2026-04-01 – 2026-06-30; only what is proven continuous is counted.",
    );
  });

  it.each<[string, LedgerProof[], string]>([
    [
      'one ledger with nothing proven',
      [ledger('gw-eu-1', period('2026-04-01T00:00:00Z', '2026-06-30T00:00:00Z')), ledger('gw-us-1', null)],
      'Ledger gw-us-1 has no period proven continuous',
    ],
    [
      'a proof whose time cannot be read',
      [ledger('gw-eu-1', period('2026-04-01', '2026-06-30T00:00:00Z'))],
      'Ledger gw-eu-1 has no period proven continuous',
    ],
    [
      'three ledgers, two unproven',
      [ledger('a', null), ledger('b', null), ledger('c', period('2026-04-01T00:00:00Z', '2026-04-02T00:00:00Z'))],
      'Ledgers a and b have no period proven continuous',
    ],
    [
      'ledgers proven over periods that do not overlap',
      [
        ledger('a', period('2026-04-01T00:00:00Z', '2026-04-10T00:00:00Z')),
        ledger('b', period('2026-05-01T00:00:00Z', '2026-05-10T00:00:00Z')),
      ],
      'do not overlap',
    ],
    ['no ledger at all', [], 'This archive holds no ledger'],
  ])('nothing is claimed as covered with %s', (_name, ledgers, reason) => {
    const coverage = comparePeriods(H1_2026, DEMO_CLAIM, ledgers);
    if (coverage.kind !== 'checked') throw new Error('expected a comparison');
    expect(coverage.proven).toBeNull();
    expect([coverage.coveredDays, coverage.uncoveredDays]).toEqual([0, 181]);
    const sentence = describeCoverage(coverage);
    expect(sentence).toContain(reason);
    expect(sentence).toContain('none of the period is covered.');
    expect(sentence).toContain(
      'The archive claims 2026-04-01 – 2026-06-30; only what is proven continuous is counted.',
    );
    expect(coverageTone(coverage)).toBe('none');
  });

  it('a one-day period is one day, covered or not', () => {
    const day = { periodFrom: '2026-04-15', periodTo: '2026-04-15' };
    expect(describeCoverage(comparePeriods(day, null, DEMO_LEDGERS))).toBe(
      "Engagement period 2026-04-15 (1 day). This archive's evidence, proven continuous in both ledgers, covers 2026-04-01 – 2026-06-30: it covers the whole period.",
    );
    expect(
      describeCoverage(comparePeriods({ periodFrom: '2026-07-01', periodTo: '2026-07-01' }, null, DEMO_LEDGERS)),
    ).toContain('none of its 1 day is covered');
  });

  it('counts across a leap day and a year boundary', () => {
    const coverage = comparePeriods({ periodFrom: '2023-12-31', periodTo: '2024-03-01' }, null, [
      ledger('a', period('2024-02-29T12:00:00Z', '2024-03-01T00:00:00Z')),
    ]);
    if (coverage.kind !== 'checked') throw new Error('expected a comparison');
    expect(coverage.engagementDays).toBe(1 + 31 + 29 + 1);
    expect(coverage.coveredDays).toBe(2);
    expect(describeCoverage(coverage)).toContain('60 days of the period are not covered (2023-12-31 – 2024-02-28)');
  });
});

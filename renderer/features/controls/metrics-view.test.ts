import { describe, expect, it } from 'vitest';
import type { ControlMetric } from '../../../shared/controls/metrics.ts';
import {
  MAX_CONTINUOUS_MONTHS,
  chartTop,
  explorerQuery,
  monthBounds,
  notCounted,
  passSentence,
  percent,
  trendMonths,
} from './metrics-view.ts';

/** A reference: the rate as an exact fraction, rounded half up at `decimals`, by BigInt long division. */
function reference(n: number, d: number, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  const twice = (2n * BigInt(n) * 100n * scale) / BigInt(d);
  const rounded = (twice + 1n) / 2n;
  const text = rounded.toString().padStart(decimals + 1, '0');
  return `${text.slice(0, -decimals)}.${text.slice(-decimals)}%`;
}

describe('percent', () => {
  it('gives two decimals, rounded half up, as the issue’s example', () => {
    expect(percent(411, 412)).toBe('99.76%');
    expect(percent(1, 412)).toBe('0.24%');
    expect(percent(1, 8)).toBe('12.50%');
    expect(percent(1, 3)).toBe('33.33%');
    expect(percent(2, 3)).toBe('66.67%');
  });

  it('never rounds a rate that is not 100% up to 100%, nor one that is not 0% down to 0%', () => {
    expect(percent(99_999, 100_000)).toBe('99.999%');
    expect(percent(999_999, 1_000_000)).toBe('99.9999%');
    expect(percent(29_999, 30_000)).toBe('99.997%');
    expect(percent(1, 1_000_000)).toBe('0.0001%');
    expect(percent(1, 30_000)).toBe('0.003%');
    expect(percent(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER)).not.toBe('100%');
    expect(percent(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER)).toMatch(/^99\.9+\d*%$/);
  });

  it('is exact: equals a separate long-division reference on many fractions', () => {
    for (let d = 1; d <= 400; d += 7)
      for (let n = 1; n < d; n += 3) {
        const text = percent(n, d) as string;
        const decimals = text.length - text.indexOf('.') - 2;
        expect([n, d, text]).toEqual([n, d, reference(n, d, decimals)]);
        expect(text).not.toMatch(/^(100\.0+|0\.0+)%$/);
      }
  });

  it('says exactly 100% and 0%, and no rate without population', () => {
    expect(percent(412, 412)).toBe('100%');
    expect(percent(0, 412)).toBe('0%');
    expect(percent(0, 0)).toBeNull();
  });

  it('refuses what are not counts', () => {
    expect(() => percent(2, 1)).toThrow(/more than/);
    expect(() => percent(-1, 3)).toThrow(/not counts/);
    expect(() => percent(0.5, 3)).toThrow(/not counts/);
  });

  it('makes the sentence an auditor reads', () => {
    expect(passSentence(411, 412, 'validly approved')).toBe('411 of 412 validly approved, 99.76%');
    expect(passSentence(1_234_566, 1_234_567, 'blocked')).toBe('1,234,566 of 1,234,567 blocked, 99.9999%');
    expect(passSentence(0, 0, 'blocked')).toBeNull();
  });
});

describe('trend months', () => {
  it('every month from the first receipt or the period’s start to the last or its end, marked', () => {
    const { months, compressed } = trendMonths(['2026-04', '2026-06'], { from: '2026-05-01', to: '2026-08-31' });
    expect(compressed).toBe(false);
    expect(months).toEqual([
      { month: '2026-04', index: 0, inPeriod: false },
      { month: '2026-05', index: -1, inPeriod: true },
      { month: '2026-06', index: 1, inPeriod: true },
      { month: '2026-07', index: -1, inPeriod: true },
      { month: '2026-08', index: -1, inPeriod: true },
    ]);
  });

  it('crosses a year; without a period, nothing is marked', () => {
    const { months } = trendMonths(['2025-11', '2026-02'], { from: null, to: null });
    expect(months.map((m) => [m.month, m.inPeriod])).toEqual([
      ['2025-11', null],
      ['2025-12', null],
      ['2026-01', null],
      ['2026-02', null],
    ]);
  });

  it('a receipt with a far-off time: only months with receipts and the period’s months', () => {
    const { months, compressed } = trendMonths(['1970-01', '2026-05'], { from: '2026-04-01', to: '2026-06-30' });
    expect(compressed).toBe(true);
    expect(months.map((m) => m.month)).toEqual(['1970-01', '2026-04', '2026-05', '2026-06']);
    expect(MAX_CONTINUOUS_MONTHS).toBeGreaterThanOrEqual(36);
  });

  it('no receipts and no period: no months', () => {
    expect(trendMonths([], { from: null, to: null })).toEqual({ months: [], compressed: false });
  });
});

describe('explorer addresses', () => {
  it('a month is its first and last day, UTC, leap years included', () => {
    expect(monthBounds('2026-02')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(monthBounds('2028-02')).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(monthBounds('2026-12')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
  });

  it('a filter within a range is the receipts route’s query', () => {
    expect(explorerQuery({ effect: 'allow', action: 'payments.release' }, monthBounds('2026-04'))).toEqual({
      from: '2026-04-01',
      to: '2026-04-30',
      effect: 'allow',
      action: 'payments.release',
    });
  });
});

describe('chart and notes', () => {
  it('the chart’s top is a readable step above the highest rate, at least 1%', () => {
    expect(chartTop([null, 0, 0.0024])).toBe(0.01);
    expect(chartTop([0.0217])).toBe(0.05);
    expect(chartTop([null])).toBe(0.01);
    expect(chartTop([1])).toBe(1);
  });

  it('findings not in the rate are said, one sentence each', () => {
    const metric = {
      id: 'evidence-integrity',
      codes: [
        { code: 'CHAIN_UNSEALED', findings: 1, inPopulation: 0, byMonth: [], outside: 0, notAtReceipt: 0, warnings: 1 },
        {
          code: 'MANIFEST_MISSING',
          findings: 2,
          inPopulation: 0,
          byMonth: [],
          outside: 0,
          notAtReceipt: 2,
          warnings: 0,
        },
        {
          code: 'APPROVAL_INVALID',
          findings: 1,
          inPopulation: 0,
          byMonth: [],
          outside: 1,
          notAtReceipt: 0,
          warnings: 0,
        },
      ],
    } as unknown as ControlMetric;
    expect(notCounted(metric)).toEqual([
      '1 CHAIN_UNSEALED finding is a warning (a note, not a failure), so not counted as an exception.',
      '2 MANIFEST_MISSING findings are about no readable receipt (a file, the archive, or a line that is not a valid receipt), so not in the rate.',
      '1 receipt with APPROVAL_INVALID is outside the population, so not in the rate.',
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import {
  buildLedger,
  resolveBundle,
  runChecks,
  testArchive,
  testBundleBody,
  type ReceiptSpec,
} from './fixtures.test-helper.ts';
import { GrowableFloat64, GrowableUint32 } from '../format/growable.ts';
import fc from 'fast-check';
import { LatencyCounts, nearestRank99, sloCheck } from './slo.ts';

/** The reference: nearest-rank p99 by sorting every value; null for an empty set. */
function p99NearestRank(values: Float64Array): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[nearestRank99(values.length) - 1] ?? null;
}

describe('nearest-rank p99', () => {
  // ⌈0.99·n⌉ worked by hand: where it differs from ⌊0.99·n⌋ and from round() matters.
  it.each([
    [1, 1],
    [2, 2],
    [50, 50],
    [99, 99],
    [100, 99],
    [101, 100],
    [150, 149],
    [199, 198],
    [200, 198],
    [1000, 990],
    [1_000_001, 990_001],
  ])('rank for n=%i is %i', (n, rank) => {
    expect(nearestRank99(n)).toBe(rank);
  });

  it('is the ⌈0.99·n⌉-th smallest, whatever the input order', () => {
    const values = Float64Array.from({ length: 200 }, (_, i) => (i * 7919) % 200); // a permutation of 0..199
    expect(p99NearestRank(values)).toBe(197);
    expect(p99NearestRank(new Float64Array(0))).toBeNull();
  });
});

describe('latencies counted by value', () => {
  const latencyArbitrary = fc.oneof(
    fc.integer({ min: 0, max: 2000 }),
    fc.integer({ min: 65_530, max: 65_540 }),
    fc.integer({ min: -5, max: 2 ** 40 }),
    fc.double({ min: -10, max: 70_000, noNaN: true }),
  );

  it('give every rank a sort gives (property)', () => {
    fc.assert(
      fc.property(fc.array(latencyArbitrary, { maxLength: 300 }), (values) => {
        const counts = new LatencyCounts();
        for (const v of values) counts.push(v);
        const sorted = Float64Array.from(values).sort();
        expect(counts.length).toBe(values.length);
        for (let rank = 1; rank <= values.length; rank++) expect(counts.nthSmallest(rank)).toBe(sorted[rank - 1]);
        expect(counts.nthSmallest(0)).toBeNull();
        expect(counts.nthSmallest(values.length + 1)).toBeNull();
        if (values.length > 0)
          expect(counts.nthSmallest(nearestRank99(values.length))).toBe(p99NearestRank(Float64Array.from(values)));
      }),
      { numRuns: 300 },
    );
  });

  it('count a million latencies of few values exactly', () => {
    const counts = new LatencyCounts();
    for (let i = 0; i < 1_000_000; i++) counts.push(i % 1000 === 0 ? 5000 + (i % 7) : 100 + (i % 13));
    // 1,000 slow ones: the p99 (rank 990,000) is among the fast, the 999,001st is the first slow one.
    expect(counts.nthSmallest(nearestRank99(1_000_000))).toBe(112);
    expect(counts.nthSmallest(999_001)).toBe(5000);
    expect(counts.nthSmallest(1_000_000)).toBe(5006);
  });
});

describe('SLO_BREACH', () => {
  const bundle = resolveBundle(testBundleBody({ slo: { p99_latency_ms: 1000 } }));
  const latencies = (values: number[]): ReceiptSpec[] => values.map((latency_ms) => ({ exec: { latency_ms } }));

  it('at n=50 one slow receipt is the p99 (rank 50) and breaches', async () => {
    const findings = await runChecks(
      [sloCheck],
      testArchive([bundle]),
      buildLedger('L', bundle, latencies([1001, ...Array<number>(49).fill(10)])),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      code: 'SLO_BREACH',
      path: bundle.path,
      detail: { receipts: 50, rank: 50, p99LatencyMs: 1001, sloMs: 1000, slower: 1 },
    });
  });

  it('a p99 equal to the objective is not a breach', async () => {
    expect(
      await runChecks([sloCheck], testArchive([bundle]), buildLedger('L', bundle, latencies([1000, 1000, 5]))),
    ).toEqual([]);
  });

  it('judges each bundle hash on its own receipts', async () => {
    const strict = resolveBundle(testBundleBody({ version: 2, slo: { p99_latency_ms: 10 } }));
    const lax = resolveBundle(testBundleBody({ version: 3, slo: { p99_latency_ms: 10_000 } }));
    const records = [
      ...buildLedger('A', strict, latencies([20, 20]), [strict, lax]),
      ...buildLedger('B', lax, latencies([5000, 5000]), [strict, lax]),
    ];
    const findings = await runChecks([sloCheck], testArchive([strict, lax]), records);
    expect(findings.map((f) => f.detail?.bundle)).toEqual([strict.hash]);
  });

  it('ignores bundles without an objective', async () => {
    const none = resolveBundle(testBundleBody({ slo: {} }));
    expect(await runChecks([sloCheck], testArchive([none]), buildLedger('L', none, latencies([99_999])))).toEqual([]);
  });

  it('runs on the full integer range without losing precision', async () => {
    const records = buildLedger('L', bundle, latencies([Number.MAX_SAFE_INTEGER]));
    const [found] = await runChecks([sloCheck], testArchive([bundle]), records);
    expect(found?.detail?.p99LatencyMs).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('GrowableFloat64', () => {
  it('keeps every value across growth', () => {
    const column = new GrowableFloat64(1);
    for (let i = 0; i < 1000; i++) column.push(i * 3);
    expect(column.length).toBe(1000);
    expect(column.at(999)).toBe(2997);
    expect(column.at(1000)).toBeUndefined();
    expect(column.view().reduce((a, b) => a + b, 0)).toBe(3 * 999 * 500);
  });
});

describe('GrowableUint32', () => {
  it('keeps every value across growth and refuses one it would wrap', () => {
    const column = new GrowableUint32(1);
    for (let i = 0; i < 1000; i++) column.push((i * 4_000_000) % 2 ** 32);
    expect(column.length).toBe(1000);
    expect(column.at(999)).toBe((999 * 4_000_000) % 2 ** 32);
    expect(column.at(1000)).toBeUndefined();
    expect(() => column.push(2 ** 32)).toThrow(RangeError);
    expect(() => column.push(-1)).toThrow(RangeError);
  });
});

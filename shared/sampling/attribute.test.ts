/**
 * Attribute sampling against a reference written here from the binomial definition with
 * exact rationals (a separate implementation: term by term, no shared code), on known table
 * cells and on cells where floating point gives the wrong size.
 */
import { describe, expect, it } from 'vitest';
import { evaluateSample, sampleSize, SamplingInputError } from './attribute.ts';

/** Exact fraction a/b. */
type Q = [bigint, bigint];
const q = (text: string): Q => {
  const [w, f = ''] = text.split('.');
  const scale = 10n ** BigInt(f.length);
  return [BigInt(w as string) * scale + BigInt(f || '0'), 100n * scale];
};
const choose = (n: number, k: number): bigint => {
  let r = 1n;
  for (let i = 0; i < k; i++) r = (r * BigInt(n - i)) / BigInt(i + 1);
  return r;
};
/** P(X ≤ k) ≤ risk, term by term: Σ C(n,i) p^i (1-p)^(n-i). */
function cdfAtMost(k: number, n: number, [a, b]: Q, [ra, rb]: Q): boolean {
  let sum = 0n;
  for (let i = 0; i <= k; i++) sum += choose(n, i) * a ** BigInt(i) * (b - a) ** BigInt(n - i);
  return sum * rb <= ra * b ** BigInt(n);
}
function referenceSize(confidence: string, tolerable: string, expected: string): [number, number] {
  const [ca, cb] = q(confidence);
  const risk: Q = [cb - ca, cb];
  const [ea, eb] = q(expected);
  for (let n = 1; ; n++) {
    const k = Number((ea * BigInt(n) + eb - 1n) / eb);
    if (k >= n) continue;
    if (cdfAtMost(k, n, q(tolerable), risk)) return [n, k];
  }
}
/** What a floating-point implementation answers (the mistake this module avoids). */
function floatSize(confidence: number, tolerable: number, expected: number): number {
  for (let n = 1; ; n++) {
    const k = Math.ceil((expected / 100) * n);
    if (k >= n) continue;
    let cdf = 0;
    for (let i = 0; i <= k; i++)
      cdf += Number(choose(n, i)) * (tolerable / 100) ** i * (1 - tolerable / 100) ** (n - i);
    if (cdf <= 1 - confidence / 100) return n;
  }
}

describe('sampleSize', () => {
  it.each([
    ['95', '5', '0', 59, 0],
    ['95', '10', '0', 29, 0],
    ['95', '5', '1', 93, 1],
    ['95', '10', '1', 46, 1],
    ['90', '5', '0', 45, 0],
    ['90', '10', '1', 38, 1],
  ])('confidence %s, tolerable %s, expected %s (percent) → %i items, %i deviations', (c, t, e, n, k) => {
    const got = sampleSize({ confidence: c, tolerable: t, expected: e });
    expect([got.sampleSize, got.expectedDeviations]).toEqual([n, k]);
    expect(referenceSize(c, t, e)).toEqual([n, k]);
  });

  it('equals the exact reference on a grid of confidence, tolerable and expected rates', () => {
    let cells = 0;
    for (const c of ['80', '90', '95'])
      for (const t of ['4', '5', '6', '8', '10', '15', '20'])
        for (const e of ['0', '0.25', '0.5', '1', '2', '3']) {
          if (Number(e) >= Number(t)) continue;
          const got = sampleSize({ confidence: c, tolerable: t, expected: e });
          expect([got.sampleSize, got.expectedDeviations], `${c}/${t}/${e}`).toEqual(referenceSize(c, t, e));
          cells++;
        }
    expect(cells).toBeGreaterThan(100);
  });

  it('cells where floating point gives another size are answered exactly', () => {
    // (1 − 0.7)² is exactly 0.09 = 1 − 91%, so 2 items suffice; in binary 1 − 0.7 is
    // 0.30000000000000004 and its square lands just over 0.09, so a float implementation says 3.
    for (const [c, t, e, exact] of [
      ['91', '70', '0', 2],
      ['84', '60', '0', 2],
    ] as const) {
      expect(referenceSize(c, t, e)[0]).toBe(exact);
      expect(sampleSize({ confidence: c, tolerable: t, expected: e }).sampleSize).toBe(exact);
    }
    expect(floatSize(91, 70, 0), 'the float answer this module must not give').toBe(3);
    // An upper limit exactly at the tolerable rate is within it: 2 items, 0 deviations, 91%, 70%.
    expect(evaluateSample(2, 0, '91', '70').withinTolerable).toBe(true);
    expect(evaluateSample(2, 0, '91', '70').upperLimit).toBe('70');
  });

  it('refuses inputs outside their ranges with a sentence', () => {
    expect(() => sampleSize({ confidence: '100', tolerable: '5', expected: '0' })).toThrow(
      /confidence must be at least 80 and below 100/,
    );
    expect(() => sampleSize({ confidence: '79', tolerable: '5', expected: '0' })).toThrow(SamplingInputError);
    expect(() => sampleSize({ confidence: '95', tolerable: '5', expected: '5' })).toThrow(
      /must be below the tolerable rate/,
    );
    expect(() => sampleSize({ confidence: '95', tolerable: '2', expected: '3' })).toThrow(
      /must be below the tolerable rate/,
    );
    expect(() => sampleSize({ confidence: '95', tolerable: '0', expected: '0' })).toThrow(
      /tolerable rate must be above 0/,
    );
    expect(() => sampleSize({ confidence: 'high', tolerable: '5', expected: '0' })).toThrow(/percentage like 95/);
  });
});

describe('evaluateSample', () => {
  it('the upper limit with no deviation is 1 − (1 − confidence)^(1/n)', () => {
    for (const n of [29, 59, 100, 250]) {
      const e = evaluateSample(n, 0, '95', '5');
      expect(Number(e.upperLimit)).toBeCloseTo(100 * (1 - 0.05 ** (1 / n)), 10);
    }
  });

  it('the limit is where P(X ≤ k | n, limit) = 1 − confidence (checked on both sides)', () => {
    for (const [n, k] of [
      [100, 5],
      [60, 1],
      [25, 3],
      [200, 0],
    ] as const) {
      const limit = evaluateSample(n, k, '95').upperLimit;
      const [a, b] = q(limit);
      // One unit in the last printed digit above the limit, P(X ≤ k) is under 5%; one below, over it.
      expect(cdfAtMost(k, n, [a + 1n, b], [5n, 100n]), `${n}/${k} above the limit`).toBe(true);
      expect(cdfAtMost(k, n, [a - 1n, b], [5n, 100n]), `${n}/${k} below the limit`).toBe(false);
    }
  });

  it('within tolerable is decided exactly: 59 items, no deviation, 5% tolerable at 95% holds; 58 does not', () => {
    expect(evaluateSample(59, 0, '95', '5').withinTolerable).toBe(true);
    expect(evaluateSample(58, 0, '95', '5').withinTolerable).toBe(false);
    expect(evaluateSample(100, 5, '95', '5').withinTolerable).toBe(false);
    expect(evaluateSample(100, 5, '95').sampleRate).toBe('5');
    expect(evaluateSample(10, 10, '95').upperLimit).toBe('100');
  });

  it('refuses a size of 0 and deviations over the size', () => {
    expect(() => evaluateSample(0, 0, '95')).toThrow(/size must be a whole number of at least 1/);
    expect(() => evaluateSample(10, 11, '95')).toThrow(/deviations must be a whole number from 0 to the size/);
    expect(() => evaluateSample(10, 1, '100')).toThrow(/confidence/);
  });
});

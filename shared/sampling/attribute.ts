/**
 * Attribute sampling for tests of controls (AICPA Audit Guide, Audit Sampling), computed
 * from the binomial definition with exact rational arithmetic (BigInt): floating point
 * puts some table cells on the wrong side of the line (7% of 100 is 7.000000000000001
 * in binary, and an upper limit equal to the tolerable rate must not read as over it).
 *
 * - Sample size: the smallest n such that, with k = ⌈expected rate × n⌉ deviations, the
 *   one-sided upper limit at the confidence is within the tolerable rate, that is
 *   P(X ≤ k | n, tolerable) ≤ 1 − confidence.
 * - Evaluation: the one-sided upper deviation limit (Clopper-Pearson), the p at which
 *   P(X ≤ k | n, p) = 1 − confidence; "within tolerable" is decided exactly, not on the
 *   rounded limit.
 * Rates are given as decimal percent texts ("95", "2.5", "0.25"), read exactly.
 */

/** A non-negative rational num/den, den > 0. */
export interface Rational {
  readonly num: bigint;
  readonly den: bigint;
}

export class SamplingInputError extends Error {
  override name = 'SamplingInputError';
}

const HUNDRED = 100n;

/** A decimal percent text as an exact fraction of 1 ("2.5" → 1/40). */
export function percent(text: string, what: string): Rational {
  const m = /^(\d{1,3})(?:\.(\d{1,12}))?$/.exec(text.trim());
  if (!m) throw new SamplingInputError(`${what} must be a percentage like 95 or 2.5, got "${text}"`);
  const decimals = m[2] ?? '';
  const scale = 10n ** BigInt(decimals.length);
  return reduce({ num: BigInt(m[1] as string) * scale + BigInt(decimals || '0'), den: HUNDRED * scale });
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a < 0n ? -a : a;
}

function reduce(r: Rational): Rational {
  const g = gcd(r.num, r.den) || 1n;
  return { num: r.num / g, den: r.den / g };
}

/** ⌈r⌉ */
function ceil(r: Rational): bigint {
  return (r.num + r.den - 1n) / r.den;
}

/** C(n, i) for i = 0..k. */
function binomials(n: number, k: number): bigint[] {
  const out = [1n];
  for (let i = 1; i <= k; i++) out.push(((out[i - 1] as bigint) * BigInt(n - i + 1)) / BigInt(i));
  return out;
}

/**
 * P(X ≤ k | n, p) as an exact fraction: Σ C(n,i) a^i (b−a)^(n−i) / b^n for p = a/b.
 * Returned unreduced (num, den = b^n): only compared.
 */
export function binomialCdf(k: number, n: number, p: Rational): Rational {
  if (k >= n) return { num: 1n, den: 1n };
  const a = p.num;
  const c = p.den - p.num;
  const coefficients = binomials(n, k);
  let sum = 0n;
  // a^i grows, c^(n-i) shrinks: compute c^(n-k) once and multiply up.
  let aPow = 1n;
  const cPows: bigint[] = new Array<bigint>(k + 1);
  let cp = c ** BigInt(n - k);
  for (let i = k; i >= 0; i--) {
    cPows[i] = cp;
    cp *= c;
  }
  for (let i = 0; i <= k; i++) {
    sum += (coefficients[i] as bigint) * aPow * (cPows[i] as bigint);
    aPow *= a;
  }
  return { num: sum, den: p.den ** BigInt(n) };
}

/** x ≤ y for rationals. */
function atMost(x: Rational, y: Rational): boolean {
  return x.num * y.den <= y.num * x.den;
}

export interface SampleSizeInput {
  /** Confidence, percent text: at least 80, below 100. */
  readonly confidence: string;
  /** Tolerable deviation rate, percent text: above 0, below 100. */
  readonly tolerable: string;
  /** Expected deviation rate, percent text: at least 0, below the tolerable rate. */
  readonly expected: string;
}

export interface SampleSize {
  readonly sampleSize: number;
  readonly expectedDeviations: number;
  /** The upper limit the size reaches at k deviations (percent, unrounded decimal text). */
  readonly upperLimit: string;
  /** P(X ≤ k | n, tolerable): at most 1 − confidence. */
  readonly riskAtTolerable: string;
}

const MAX_SAMPLE = 100_000;

function checkConfidence(text: string): Rational {
  const c = percent(text, 'confidence');
  if (!atMost({ num: 80n, den: 100n }, c) || atMost({ num: 1n, den: 1n }, c))
    throw new SamplingInputError(`confidence must be at least 80 and below 100 (percent), got ${text}`);
  return c;
}

/** The smallest sample size for the inputs. @throws SamplingInputError for inputs outside their ranges. */
export function sampleSize(input: SampleSizeInput): SampleSize {
  const confidence = checkConfidence(input.confidence);
  const tolerable = percent(input.tolerable, 'tolerable rate');
  const expected = percent(input.expected, 'expected rate');
  if (tolerable.num === 0n || atMost({ num: 1n, den: 1n }, tolerable))
    throw new SamplingInputError(`tolerable rate must be above 0 and below 100 (percent), got ${input.tolerable}`);
  if (!atMost(expected, tolerable) || expected.num * tolerable.den === tolerable.num * expected.den)
    throw new SamplingInputError(
      `expected rate (${input.expected}%) must be below the tolerable rate (${input.tolerable}%): otherwise no sample can support reliance`,
    );
  const risk = { num: confidence.den - confidence.num, den: confidence.den };
  for (let n = 1; n <= MAX_SAMPLE; n++) {
    const k = Number(ceil({ num: expected.num * BigInt(n), den: expected.den }));
    if (k >= n) continue;
    const cdf = binomialCdf(k, n, tolerable);
    if (atMost(cdf, risk))
      return {
        sampleSize: n,
        expectedDeviations: k,
        upperLimit: upperLimitText(n, k, confidence),
        riskAtTolerable: decimalText(cdf, 12),
      };
  }
  throw new SamplingInputError(`no sample of at most ${MAX_SAMPLE} items supports these rates`);
}

export interface Evaluation {
  readonly size: number;
  readonly deviations: number;
  /** The sample deviation rate, percent decimal text. */
  readonly sampleRate: string;
  /** One-sided upper deviation limit at the confidence, percent, unrounded decimal text (15 significant digits). */
  readonly upperLimit: string;
  /** Compared exactly with the tolerable rate, when one was given. */
  readonly withinTolerable: boolean | null;
}

/** Evaluates a sample. @throws SamplingInputError for a size below 1 or deviations outside 0..size. */
export function evaluateSample(
  size: number,
  deviations: number,
  confidenceText: string,
  tolerableText?: string,
): Evaluation {
  if (!Number.isInteger(size) || size < 1)
    throw new SamplingInputError(`size must be a whole number of at least 1, got ${size}`);
  if (!Number.isInteger(deviations) || deviations < 0 || deviations > size)
    throw new SamplingInputError(`deviations must be a whole number from 0 to the size (${size}), got ${deviations}`);
  const confidence = checkConfidence(confidenceText);
  let withinTolerable: boolean | null = null;
  if (tolerableText !== undefined) {
    const tolerable = percent(tolerableText, 'tolerable rate');
    const risk = { num: confidence.den - confidence.num, den: confidence.den };
    // The limit is within the tolerable rate exactly when P(X ≤ k | n, tolerable) ≤ 1 − confidence.
    withinTolerable = deviations < size && atMost(binomialCdf(deviations, size, tolerable), risk);
  }
  return {
    size,
    deviations,
    sampleRate: decimalText({ num: BigInt(deviations) * 100n, den: BigInt(size) }, 12),
    upperLimit: upperLimitText(size, deviations, confidence),
    withinTolerable,
  };
}

/** The Clopper-Pearson upper limit, percent, by bisection on exact rationals to 2^-64. */
function upperLimitText(n: number, k: number, confidence: Rational): string {
  if (k >= n) return '100';
  const risk = { num: confidence.den - confidence.num, den: confidence.den };
  const ONE = 1n << 64n;
  let lo = 0n;
  let hi = ONE;
  // cdf(k, n, p) falls as p rises; find the p where it crosses 1 − confidence.
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n;
    if (atMost(binomialCdf(k, n, { num: mid, den: ONE }), risk)) hi = mid;
    else lo = mid;
  }
  return decimalText({ num: hi * 100n, den: ONE }, 15, true);
}

/** A fraction as a decimal text with `digits` after the point (or significant digits when `significant`), trailing zeros cut. */
export function decimalText(r: Rational, digits: number, significant = false): string {
  const whole = r.num / r.den;
  let rest = r.num % r.den;
  let places = digits;
  if (significant) {
    const lead = whole === 0n ? 0 : whole.toString().length;
    places = Math.max(digits - lead, 0);
    if (whole === 0n) {
      // Count leading zeros after the point toward none of the significant digits.
      let probe = rest * 10n;
      while (probe !== 0n && probe < r.den) {
        places++;
        probe *= 10n;
      }
    }
  }
  let fraction = '';
  for (let i = 0; i < places; i++) {
    rest *= 10n;
    fraction += (rest / r.den).toString();
    rest %= r.den;
  }
  fraction = fraction.replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole.toString();
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCanonicalPointEncoding, isScalarCanonical } from './ed25519-strict.ts';

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (n: bigint): Uint8Array => Uint8Array.from({ length: 32 }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
const fromLe = (b: Uint8Array, offset = 0): bigint =>
  b.slice(offset, offset + 32).reduceRight((acc, v) => (acc << 8n) | BigInt(v), 0n);

describe('strict RFC 8032 encoding checks', () => {
  it('S < L exactly at the boundary', () => {
    const sig = (s: bigint) => Uint8Array.from([...new Uint8Array(32), ...le(s)]);
    expect(isScalarCanonical(sig(L - 1n))).toBe(true);
    expect(isScalarCanonical(sig(L))).toBe(false);
    expect(isScalarCanonical(sig(L + 1n))).toBe(false);
    expect(isScalarCanonical(sig(0n))).toBe(true);
  });

  it('y < p and no negative zero, at the boundaries', () => {
    const withSign = (y: bigint, sign: number) => {
      const b = le(y);
      b[31] = (b[31] as number) | (sign << 7);
      return b;
    };
    expect(isCanonicalPointEncoding(withSign(P - 1n, 0))).toBe(true);
    expect(isCanonicalPointEncoding(withSign(P, 0))).toBe(false);
    expect(isCanonicalPointEncoding(withSign(P + 1n, 1))).toBe(false);
    expect(isCanonicalPointEncoding(withSign(1n, 1))).toBe(false);
    expect(isCanonicalPointEncoding(withSign(P - 1n, 1))).toBe(false);
    expect(isCanonicalPointEncoding(withSign(1n, 0))).toBe(true);
    expect(isCanonicalPointEncoding(withSign(2n, 1))).toBe(true);
  });

  it('agrees with a BigInt statement of the rules on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
        expect(isScalarCanonical(bytes)).toBe(fromLe(bytes, 32) < L);
        const y = fromLe(bytes) & ((1n << 255n) - 1n);
        const sign = (bytes[31] as number) >> 7;
        expect(isCanonicalPointEncoding(bytes)).toBe(y < P && !(sign === 1 && (y === 1n || y === P - 1n)));
      }),
      { numRuns: 2000 },
    );
  });
});

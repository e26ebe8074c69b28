import { sha256 } from '@noble/hashes/sha2.js';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../shared/format/bytes.ts';
import type { Sha256 } from '../../shared/format/hash.ts';
import { MAX_REMEMBERED_BYTES, memoSha256 } from './memo-sha256.ts';

const noble: Sha256 = { digest: (d) => sha256(d), create: () => sha256.create() };
const native = (d: Uint8Array) => toHex(createHash('sha256').update(d).digest());

/** Deterministic pseudo-random bytes. */
function bytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('memoSha256', () => {
  it('gives the digest node:crypto gives, first time and remembered, on every length up to past the cap', () => {
    const memo = memoSha256(noble);
    const inputs = [
      0,
      1,
      55,
      56,
      63,
      64,
      65,
      400,
      1023,
      1024,
      1025,
      4095,
      MAX_REMEMBERED_BYTES,
      MAX_REMEMBERED_BYTES + 1,
      9000,
    ].map((n, i) => bytes(i + 1, n));
    for (const pass of [1, 2])
      for (const input of inputs)
        expect(toHex(memo.digest(input)), `pass ${pass}, ${input.length} bytes`).toBe(native(input));
    // Valid UTF-8 up to the cap is remembered, nothing above it (these random bytes mostly are not UTF-8).
    const ascii = inputs.map((i) => i.map((b) => b & 0x7f));
    const memo2 = memoSha256(noble);
    for (const pass of [1, 2])
      for (const input of ascii) expect(toHex(memo2.digest(input)), `pass ${pass}`).toBe(native(input));
    expect(memo2.size()).toBe(ascii.filter((i) => i.length <= MAX_REMEMBERED_BYTES).length);
  });

  it('inputs that differ in one byte, or only in length, are different keys', () => {
    const memo = memoSha256(noble);
    const a = bytes(7, 300).map((b) => b & 0x7f);
    for (let at = 0; at < a.length; at += 37) {
      const b = a.slice();
      b[at] = (b[at] as number) ^ 0x01;
      expect(toHex(memo.digest(b))).toBe(native(b));
    }
    expect(toHex(memo.digest(a))).toBe(native(a));
    expect(toHex(memo.digest(a.subarray(0, 299)))).toBe(native(a.subarray(0, 299)));
    // Text that differs only by a leading byte order mark; bytes that are not UTF-8 (not remembered).
    const text = new TextEncoder().encode('é');
    const withBom = Uint8Array.of(0xef, 0xbb, 0xbf, ...text);
    const latin1 = Uint8Array.of(0xe9);
    const before = memo.size();
    for (const input of [text, withBom, latin1, text, withBom, latin1])
      expect(toHex(memo.digest(input))).toBe(native(input));
    expect(memo.size()).toBe(before + 2);
  });

  it('a caller changing a returned digest does not change what is remembered; the cache stays bounded', () => {
    const memo = memoSha256(noble, 3);
    const input = bytes(3, 100).map((b) => b & 0x7f);
    memo.digest(input).fill(0);
    memo.digest(input).fill(0);
    expect(toHex(memo.digest(input))).toBe(native(input));
    for (let i = 0; i < 10; i++) memo.digest(bytes(100 + i, 50).map((b) => b & 0x7f));
    expect(memo.size()).toBeLessThanOrEqual(3);
    const h = memo.create();
    h.update(input.subarray(0, 10));
    h.update(input.subarray(10));
    expect(toHex(h.digest())).toBe(native(input));
  });
});

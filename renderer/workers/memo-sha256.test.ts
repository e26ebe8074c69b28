import { sha256 } from '@noble/hashes/sha2.js';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../shared/format/bytes.ts';
import { hashOf, useSha256, type Sha256 } from '../../shared/format/hash.ts';
import { MAX_REMEMBERED_CHARS, memoSha256 } from './memo-sha256.ts';

/** noble, counting the inputs it hashed. */
function counted(): Sha256 & { calls: number } {
  const out = {
    calls: 0,
    digest(d: Uint8Array) {
      out.calls++;
      return sha256(d);
    },
    create: () => sha256.create(),
  };
  return out;
}
const native = (d: Uint8Array | string) => toHex(createHash('sha256').update(d).digest());

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

/** A text of `length` characters, some of them beyond ASCII and beyond the BMP. */
function text(seed: number, length: number): string {
  const alphabet = ['a', 'é', '東', '😀', '"', '\\', '\n', 'z'];
  let s = '';
  let x = seed;
  while (s.length < length) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += alphabet[x % alphabet.length];
  }
  return s.slice(0, length);
}

describe('memoSha256', () => {
  it('gives the digest node:crypto gives, first time and remembered, on texts of every length up to past the cap', () => {
    const inner = counted();
    const memo = memoSha256(inner);
    const lengths = [
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
      MAX_REMEMBERED_CHARS,
      MAX_REMEMBERED_CHARS + 1,
      9000,
    ];
    const texts = lengths.map((n, i) => text(i + 1, n));
    for (const pass of [1, 2])
      for (const t of texts) expect(memo.hex?.(t), `pass ${pass}, ${t.length} characters`).toBe(native(t));
    // Texts up to the cap are remembered (hashed once), nothing above it.
    const remembered = texts.filter((t) => t.length <= MAX_REMEMBERED_CHARS).length;
    expect(memo.size()).toBe(remembered);
    expect(inner.calls).toBe(remembered + 2 * (texts.length - remembered));
  });

  it('bytes are never remembered: a stored line is hashed each time it is given, and right', () => {
    const inner = counted();
    const memo = memoSha256(inner);
    const inputs = [0, 1, 64, 1800, 4096, 9000].map((n, i) => bytes(i + 1, n));
    const ascii = inputs.map((i) => i.map((b) => b & 0x7f));
    for (const pass of [1, 2])
      for (const input of [...inputs, ...ascii]) {
        expect(memo.hex?.(input), `pass ${pass}`).toBe(native(input));
        expect(toHex(memo.digest(input)), `pass ${pass}`).toBe(native(input));
      }
    expect(memo.size()).toBe(0);
    expect(inner.calls).toBe(2 * 2 * (inputs.length + ascii.length));
  });

  it('texts that differ in one character, or only in length, are different keys', () => {
    const memo = memoSha256(counted());
    const a = text(7, 300);
    for (let at = 0; at < a.length; at += 37) {
      const b = `${a.slice(0, at)}${a[at] === 'x' ? 'y' : 'x'}${a.slice(at + 1)}`;
      expect(memo.hex?.(b)).toBe(native(b));
    }
    expect(memo.hex?.(a)).toBe(native(a));
    expect(memo.hex?.(a.slice(0, 299))).toBe(native(a.slice(0, 299)));
    // Text that differs only by a leading byte order mark.
    for (const t of ['é', '\ufeffé', 'é', '\ufeffé']) expect(memo.hex?.(t)).toBe(native(t));
  });

  it('as the SHA-256 in use: hashOf of a text and of bytes is right, the cache stays bounded, incremental hashes go through', () => {
    const inner = counted();
    const memo = memoSha256(inner, 3);
    useSha256(memo);
    try {
      const t = text(3, 100);
      expect(hashOf(t)).toBe(`sha256:${native(t)}`);
      expect(hashOf(t)).toBe(`sha256:${native(t)}`);
      const line = new TextEncoder().encode(t);
      expect(hashOf(line)).toBe(`sha256:${native(line)}`);
      for (let i = 0; i < 10; i++) hashOf(text(100 + i, 50));
      expect(memo.size()).toBeLessThanOrEqual(3);
      const h = memo.create();
      h.update(line.subarray(0, 10));
      h.update(line.subarray(10));
      expect(toHex(h.digest())).toBe(native(line));
    } finally {
      useSha256({ digest: (d) => sha256(d), create: () => sha256.create() });
    }
  });
});

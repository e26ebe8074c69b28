import { sha256 } from '@noble/hashes/sha2.js';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../shared/format/bytes.ts';
import { hashOf, useSha256 } from '../shared/format/hash.ts';
import { nodeSha256, useNativeSha256 } from './native-sha256.ts';

const noble = { digest: (d: Uint8Array) => sha256(d), create: () => sha256.create() };
afterAll(() => useSha256(noble));

describe('node:crypto SHA-256 (the command line)', () => {
  const inputs = ['', 'abc', 'é', '\u{1F600}', 'a'.repeat(1400), '\ud800 lone surrogate', '\u0000\n'];

  it('one-shot hex of a string or its UTF-8 bytes is the reference digest', () => {
    for (const text of inputs) {
      const expected = toHex(sha256(utf8(text)));
      expect(nodeSha256.hex?.(text), JSON.stringify(text)).toBe(expected);
      expect(nodeSha256.hex?.(utf8(text))).toBe(expected);
      expect(toHex(nodeSha256.digest(utf8(text)))).toBe(expected);
    }
  });

  it('hashOf gives the same string through it as through the reference', () => {
    const reference = inputs.map((t) => hashOf(t));
    useNativeSha256();
    expect(inputs.map((t) => hashOf(t))).toEqual(reference);
    expect(inputs.map((t) => hashOf(utf8(t)))).toEqual(reference);
  });
});

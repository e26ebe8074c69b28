import { describe, expect, it } from 'vitest';
import { utf8 } from '../../shared/format/bytes.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from '../../shared/format/ed25519.ts';
import { memoVerifier } from './memo-verifier.ts';

const secret = new Uint8Array(32).fill(7);
const publicKey = publicKeyOf(secret);
const message = utf8('{"seq":1}');
const signature = signBytes(message, secret);

describe('memoVerifier', () => {
  it('answers as the verifier it wraps, asking it once per signature, message and key', () => {
    let calls = 0;
    const counted = {
      name: 'n',
      verify: (...a: Parameters<typeof nobleStrictVerifier.verify>) => (calls++, nobleStrictVerifier.verify(...a)),
    };
    const memo = memoVerifier(counted);
    expect(memo.verify(signature, message, publicKey)).toBe(true);
    expect(memo.verify(signature, message, publicKey)).toBe(true);
    expect(calls).toBe(1);
    // Another message, another key, another signature: each asked, each answered as itself.
    expect(memo.verify(signature, utf8('{"seq":2}'), publicKey)).toBe(false);
    expect(memo.verify(signature, message, publicKeyOf(new Uint8Array(32).fill(8)))).toBe(false);
    const flipped = signature.slice();
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(memo.verify(flipped, message, publicKey)).toBe(false);
    expect(calls).toBe(4);
    // A remembered "no" stays no.
    expect(memo.verify(flipped, message, publicKey)).toBe(false);
    expect(calls).toBe(4);
  });

  it('an answer remembered from another verifier is given without asking the one it wraps; knows says which', () => {
    let calls = 0;
    const memo = memoVerifier({ name: 'n', verify: () => (calls++, false) });
    expect(memo.knows(signature, message, publicKey)).toBe(false);
    memo.remember(signature, message, publicKey, true);
    expect(memo.knows(signature, message, publicKey)).toBe(true);
    expect(memo.knows(signature, utf8('{"seq":2}'), publicKey)).toBe(false);
    expect(memo.verify(signature, message, publicKey)).toBe(true);
    expect(calls).toBe(0);
    // Not remembered: asked, and that answer kept.
    expect(memo.verify(signature, utf8('{"seq":2}'), publicKey)).toBe(false);
    expect([calls, memo.knows(signature, utf8('{"seq":2}'), publicKey), memo.size()]).toEqual([1, true, 2]);
  });

  it('forgets everything past its bound instead of growing without end', () => {
    const memo = memoVerifier(nobleStrictVerifier, 2);
    memo.verify(signature, message, publicKey);
    memo.verify(signature, utf8('a'), publicKey);
    expect(memo.size()).toBe(2);
    memo.verify(signature, utf8('b'), publicKey);
    expect(memo.size()).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import { utf8 } from './bytes.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from './ed25519.ts';
import { RememberingVerifier } from './remembering-verifier.ts';
import type { AsyncSignatureVerifier } from './webcrypto-ed25519.ts';

const secret = new Uint8Array(32).fill(7);
const publicKey = publicKeyOf(secret);
const message = utf8('{"seq":1}');
const signature = signBytes(message, secret);
const other = utf8('{"seq":2}');

function counted() {
  const calls = { n: 0 };
  const verifier = {
    name: 'n',
    verify: (...a: Parameters<typeof nobleStrictVerifier.verify>) => (calls.n++, nobleStrictVerifier.verify(...a)),
  };
  return { calls, verifier };
}

function bulkOf(answer: (message: Uint8Array) => boolean | Error) {
  const asked: string[] = [];
  const bulk: AsyncSignatureVerifier = {
    name: 'bulk',
    verifyAsync: async (_s, m) => {
      asked.push(new TextDecoder().decode(m));
      const a = answer(m);
      if (a instanceof Error) throw a;
      return a;
    },
  };
  return { asked, bulk };
}

describe('RememberingVerifier', () => {
  it('answers as the verifier it wraps, asking it once per signature, message and key', () => {
    const { calls, verifier } = counted();
    const memo = new RememberingVerifier(verifier);
    expect(memo.verify(signature, message, publicKey)).toBe(true);
    expect(memo.verify(signature, message, publicKey)).toBe(true);
    expect(calls.n).toBe(1);
    // Another message, another key, another signature: each asked, each answered as itself.
    expect(memo.verify(signature, other, publicKey)).toBe(false);
    expect(memo.verify(signature, message, publicKeyOf(new Uint8Array(32).fill(8)))).toBe(false);
    const flipped = signature.slice();
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(memo.verify(flipped, message, publicKey)).toBe(false);
    expect(calls.n).toBe(4);
    // A remembered "no" stays no.
    expect(memo.verify(flipped, message, publicKey)).toBe(false);
    expect(calls.n).toBe(4);
  });

  it('an answer remembered from another verifier is given without asking the one it wraps; knows says which', () => {
    let calls = 0;
    const memo = new RememberingVerifier({ name: 'n', verify: () => (calls++, false) });
    expect(memo.knows(signature, message, publicKey)).toBe(false);
    memo.remember(signature, message, publicKey, true);
    expect(memo.knows(signature, message, publicKey)).toBe(true);
    expect(memo.knows(signature, other, publicKey)).toBe(false);
    expect(memo.verify(signature, message, publicKey)).toBe(true);
    expect(calls).toBe(0);
    // Not remembered: asked, and that answer kept.
    expect(memo.verify(signature, other, publicKey)).toBe(false);
    expect([calls, memo.knows(signature, other, publicKey), memo.size]).toEqual([1, true, 2]);
  });

  it('answerAhead asks the asynchronous verifier at once for what it does not know, and remembers its answers', async () => {
    const { calls, verifier } = counted();
    const memo = new RememberingVerifier(verifier);
    memo.remember(signature, message, publicKey, true);
    const { asked, bulk } = bulkOf((m) => new TextDecoder().decode(m) === '{"seq":3}');
    const triple = (m: Uint8Array) => ({ signature, message: m, publicKey });
    const answers = await memo.answerAhead(bulk, [triple(message), null, triple(other), triple(utf8('{"seq":3}'))]);
    // The known one and the null are not asked.
    expect(asked).toEqual(['{"seq":2}', '{"seq":3}']);
    // Each answer in order, the remembered one included; null for the null.
    expect(answers).toEqual([true, null, false, true]);
    expect(memo.verify(signature, other, publicKey)).toBe(false);
    expect(memo.verify(signature, utf8('{"seq":3}'), publicKey)).toBe(true);
    expect(calls.n).toBe(0);
  });

  it('answerAhead rejects when the asynchronous verifier fails, and remembers none of that batch', async () => {
    const memo = new RememberingVerifier(nobleStrictVerifier);
    const { bulk } = bulkOf((m) => (new TextDecoder().decode(m) === '{"seq":2}' ? new Error('gone') : true));
    await expect(
      memo.answerAhead(bulk, [
        { signature, message, publicKey },
        { signature, message: other, publicKey },
      ]),
    ).rejects.toThrow('gone');
    expect(memo.size).toBe(0);
  });

  it('forgets everything past its bound instead of growing without end', () => {
    const memo = new RememberingVerifier(nobleStrictVerifier, { maxEntries: 2 });
    memo.verify(signature, message, publicKey);
    memo.verify(signature, utf8('a'), publicKey);
    expect(memo.size).toBe(2);
    memo.verify(signature, utf8('b'), publicKey);
    expect(memo.size).toBe(1);
  });
});

/**
 * Differential test: the native verifier (node:crypto behind the strict checks) must give
 * the strict reference's answer on every Wycheproof and RFC 8032 vector and on random tampering.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../shared/format/bytes.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from '../shared/format/ed25519.ts';
import { readVectorJson } from '../test/support/vectors.ts';
import { nativeAsyncStrictVerifier, nativeStrictVerifier } from './native-ed25519.ts';

interface WycheproofFile {
  testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[];
}
const wycheproof = readVectorJson<WycheproofFile>('wycheproof/ed25519_test.json');
const cases = wycheproof.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })));

describe('native Ed25519 agrees with the strict reference', () => {
  it.each(cases)('Wycheproof tcId $tcId ($result)', (t) => {
    const args = [fromHex(t.sig), fromHex(t.msg), fromHex(t.pk)] as const;
    const expected = t.result === 'valid';
    if (t.result !== 'valid' && t.result !== 'invalid') throw new Error(`unknown result category ${t.result}`);
    expect(nobleStrictVerifier.verify(...args)).toBe(expected);
    expect(nativeStrictVerifier.verify(...args)).toBe(expected);
  });

  it("on libuv's thread pool, every Wycheproof vector at once: the same answers", async () => {
    const answers = await Promise.all(
      cases.map((t) => nativeAsyncStrictVerifier.verifyAsync(fromHex(t.sig), fromHex(t.msg), fromHex(t.pk))),
    );
    expect(answers).toStrictEqual(cases.map((t) => t.result === 'valid'));
  });

  it('on random messages and random single-bit tampering of signature, message or key', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        (secret, message, bit, where) => {
          const publicKey = publicKeyOf(secret);
          const signature = signBytes(message, secret);
          expect(nativeStrictVerifier.verify(signature, message, publicKey)).toBe(true);
          const target = [signature, message, publicKey][where] as Uint8Array;
          if (target.length === 0) return;
          const i = bit % (target.length * 8);
          target[i >> 3] = (target[i >> 3] as number) ^ (1 << (i & 7));
          expect(nativeStrictVerifier.verify(signature, message, publicKey)).toBe(
            nobleStrictVerifier.verify(signature, message, publicKey),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("on libuv's thread pool, on random tampering: the reference's answer", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        async (secret, message, bit, where) => {
          const publicKey = publicKeyOf(secret);
          const signature = signBytes(message, secret);
          expect(await nativeAsyncStrictVerifier.verifyAsync(signature, message, publicKey)).toBe(true);
          const target = [signature, message, publicKey][where] as Uint8Array;
          if (target.length === 0) return;
          const i = bit % (target.length * 8);
          target[i >> 3] = (target[i >> 3] as number) ^ (1 << (i & 7));
          expect(await nativeAsyncStrictVerifier.verifyAsync(signature, message, publicKey)).toBe(
            nobleStrictVerifier.verify(signature, message, publicKey),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

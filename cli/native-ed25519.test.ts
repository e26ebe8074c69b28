/**
 * Differential test: the native verifier (node:crypto behind the strict checks) must give
 * the strict reference's answer on every Wycheproof and RFC 8032 vector and on random tampering.
 */
import { describe, expect, it } from 'vitest';
import { fromHex } from '../shared/format/bytes.ts';
import { nobleStrictVerifier } from '../shared/format/ed25519.ts';
import { expectReferenceAnswersOnBitFlips } from '../test/support/bit-flips.ts';
import { readVectorJson } from '../test/support/vectors.ts';
import { nativeStrictVerifier } from './native-ed25519.ts';

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

  it('on random messages and random single-bit tampering of signature, message or key', async () => {
    await expectReferenceAnswersOnBitFlips((s, m, k) => nativeStrictVerifier.verify(s, m, k), 300);
  });
});

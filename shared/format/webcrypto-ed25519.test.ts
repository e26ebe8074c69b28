/**
 * Differential test of the WebCrypto verifier (here Node's WebCrypto; in the app,
 * Chromium's) against the strict reference, on every vector and on random tampering.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex } from './bytes.ts';
import { nobleStrictVerifier, publicKeyOf, signBytes } from './ed25519.ts';
import { webCryptoVerifier, type AsyncSignatureVerifier, type Ed25519Subtle } from './webcrypto-ed25519.ts';
import { readVectorJson } from '../../test/support/vectors.ts';

interface WycheproofFile {
  testGroups: { publicKey: { pk: string }; tests: { tcId: number; msg: string; sig: string; result: string }[] }[];
}
const cases = readVectorJson<WycheproofFile>('wycheproof/ed25519_test.json').testGroups.flatMap((g) =>
  g.tests.map((t) => ({ ...t, pk: g.publicKey.pk })),
);

let verifier: AsyncSignatureVerifier;
beforeAll(async () => {
  const v = await webCryptoVerifier();
  if (!v) throw new Error('this Node has WebCrypto Ed25519; the verifier must be available');
  verifier = v;
});

describe('WebCrypto Ed25519 agrees with the strict reference', () => {
  it.each(cases)('Wycheproof tcId $tcId ($result)', async (t) => {
    if (t.result !== 'valid' && t.result !== 'invalid') throw new Error(`unknown result category ${t.result}`);
    expect(await verifier.verifyAsync(fromHex(t.sig), fromHex(t.msg), fromHex(t.pk))).toBe(t.result === 'valid');
  });

  it('on random single-bit tampering', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        async (secret, message, bit, where) => {
          const publicKey = publicKeyOf(secret);
          const signature = signBytes(message, secret);
          expect(await verifier.verifyAsync(signature, message, publicKey)).toBe(true);
          const target = [signature, message, publicKey][where] as Uint8Array;
          if (target.length === 0) return;
          const i = bit % (target.length * 8);
          target[i >> 3] = (target[i >> 3] as number) ^ (1 << (i & 7));
          expect(await verifier.verifyAsync(signature, message, publicKey)).toBe(
            nobleStrictVerifier.verify(signature, message, publicKey),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is refused when the WebCrypto at hand has no Ed25519', async () => {
    const none: Ed25519Subtle = {
      importKey: () => Promise.reject(new Error('NotSupportedError')),
      verify: () => Promise.reject(new Error('NotSupportedError')),
    };
    expect(await webCryptoVerifier(none)).toBeNull();
  });
});

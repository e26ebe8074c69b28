/**
 * The differential property every Ed25519 verifier is held to: a random message signed under
 * a random key verifies; then one random bit of the signature, the message or the key is
 * flipped, and the verifier must give the strict reference's answer.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { nobleStrictVerifier, publicKeyOf, signBytes } from '../../shared/format/ed25519.ts';

export type Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean | Promise<boolean>;

export async function expectReferenceAnswersOnBitFlips(verify: Verify, numRuns: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.nat(),
      fc.integer({ min: 0, max: 2 }),
      async (secret, message, bit, where) => {
        const publicKey = publicKeyOf(secret);
        const signature = signBytes(message, secret);
        expect(await verify(signature, message, publicKey)).toBe(true);
        const target = [signature, message, publicKey][where] as Uint8Array;
        if (target.length === 0) return;
        const i = bit % (target.length * 8);
        target[i >> 3] = (target[i >> 3] as number) ^ (1 << (i & 7));
        expect(await verify(signature, message, publicKey)).toBe(
          nobleStrictVerifier.verify(signature, message, publicKey),
        );
      },
    ),
    { numRuns },
  );
}

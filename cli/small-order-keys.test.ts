/**
 * FORMAT.md §1: a public key of small order is never valid. Signatures forged under each of
 * the eight points satisfy the cofactorless equation; every verifier path must refuse them.
 */
import { describe, expect, it } from 'vitest';
import * as ed from '@noble/ed25519';
import { fromHex } from '../shared/format/bytes.ts';
import { nobleStrictVerifier } from '../shared/format/ed25519.ts';
import { isSmallOrderEncoding, passesStrictEncodingChecks } from '../shared/format/ed25519-strict.ts';
import { webCryptoVerifier } from '../shared/format/webcrypto-ed25519.ts';
import { equationHolds, forgeUnderSmallOrderKey, SMALL_ORDER_POINTS } from '../test/support/small-order.ts';
import { nativeStrictVerifier } from './native-ed25519.ts';
import { verify as nodeVerify, createPublicKey } from 'node:crypto';

const message = new TextEncoder().encode('{"seq":1}');
const forged = SMALL_ORDER_POINTS.map((pk) => ({ pk, sig: forgeUnderSmallOrderKey(pk, message) }));

function rawOpenSsl(sig: Uint8Array, msg: Uint8Array, pk: string): boolean {
  const key = createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(pk, 'hex')]),
    format: 'der',
    type: 'spki',
  });
  return nodeVerify(null, msg, key, sig);
}

describe('small-order public keys are never valid', () => {
  it('the list is exactly the eight points of small order, each canonical', () => {
    expect(new Set(SMALL_ORDER_POINTS).size).toBe(8);
    for (const pk of SMALL_ORDER_POINTS) {
      const P = ed.Point.fromHex(pk);
      expect(P.isSmallOrder()).toBe(true);
      expect(P.toHex()).toBe(pk);
      expect(isSmallOrderEncoding(fromHex(pk))).toBe(true);
    }
    // and no ordinary key is taken for one
    for (let i = 1; i <= 64; i++) {
      const pk = ed.getPublicKey(new Uint8Array(32).fill(i));
      expect(isSmallOrderEncoding(pk)).toBe(false);
    }
  });

  it.each(forged)('a signature that satisfies the equation under $pk is refused on every path', async ({ pk, sig }) => {
    expect(equationHolds(sig, message, pk)).toBe(true);
    expect(passesStrictEncodingChecks(sig, fromHex(pk))).toBe(false);
    expect(nobleStrictVerifier.verify(sig, message, fromHex(pk))).toBe(false);
    expect(nativeStrictVerifier.verify(sig, message, fromHex(pk))).toBe(false);
    const web = await webCryptoVerifier();
    expect(web).not.toBeNull();
    expect(await web?.verifyAsync(sig, message, fromHex(pk))).toBe(false);
  });

  it('OpenSSL alone accepts some of them, which is why the pre-check exists', () => {
    const accepted = forged.filter(({ pk, sig }) => rawOpenSsl(sig, message, pk)).length;
    expect(accepted).toBeGreaterThan(0);
  });
});

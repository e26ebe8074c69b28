/**
 * Signatures under the eight small-order public keys that satisfy the cofactorless
 * Ed25519 equation [S]B = R + [k]A, as a forger would make them: a verifier that checks
 * only the equation accepts them; FORMAT.md §1 says none is valid.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { fromHex, toHex } from '../../shared/format/bytes.ts';

ed.hashes.sha512 = sha512;

/** The canonical encodings of the points whose order divides 8. */
export const SMALL_ORDER_POINTS: readonly string[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
];

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function leToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

function bigIntToLe32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/**
 * A signature on `message` under small-order key `publicKeyHex` for which the cofactorless
 * equation holds, found by trying R = [S]B - T for the multiples T of A until [k]A = T.
 */
export function forgeUnderSmallOrderKey(publicKeyHex: string, message: Uint8Array): Uint8Array {
  const A = ed.Point.fromHex(publicKeyHex);
  const multiples = Array.from({ length: 8 }, (_, i) => (i === 0 ? ed.Point.ZERO : A.multiplyUnsafe(BigInt(i))));
  for (let attempt = 1; attempt < 10_000; attempt++) {
    const s = (BigInt(attempt) * 7919n + 12345n) % L;
    const sB = ed.Point.BASE.multiply(s);
    for (const T of multiples) {
      const R = sB.subtract(T);
      const rBytes = R.toBytes();
      const k = leToBigInt(sha512(new Uint8Array([...rBytes, ...fromHex(publicKeyHex), ...message]))) % L;
      const kA = (k % 8n === 0n ? ed.Point.ZERO : A.multiplyUnsafe(k % 8n)) as typeof A;
      if (kA.equals(T)) return new Uint8Array([...rBytes, ...bigIntToLe32(s)]);
    }
  }
  throw new Error(`no forgery found for ${publicKeyHex}`);
}

/** The forgery's equation check, as a verifier without the small-order rule computes it. */
export function equationHolds(signature: Uint8Array, message: Uint8Array, publicKeyHex: string): boolean {
  const A = ed.Point.fromHex(publicKeyHex);
  const R = ed.Point.fromHex(toHex(signature.subarray(0, 32)));
  const s = leToBigInt(signature.subarray(32));
  const k =
    leToBigInt(sha512(new Uint8Array([...signature.subarray(0, 32), ...fromHex(publicKeyHex), ...message]))) % L;
  const kA = k % 8n === 0n ? ed.Point.ZERO : A.multiplyUnsafe(k % 8n);
  return s > 0n && s < L && ed.Point.BASE.multiply(s).equals(R.add(kA as typeof R));
}

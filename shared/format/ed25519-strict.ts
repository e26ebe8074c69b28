/**
 * The encoding checks of strict RFC 8032 §5.1.7 that a native Ed25519 (OpenSSL, WebCrypto)
 * may not make itself: `S < L`, and canonical encodings of `A` and `R` (y below p, and no
 * "negative zero": x = 0 with the sign bit set), and a public key that is not one of the
 * eight points of small order (FORMAT.md §1: never valid, whatever the equation says). A
 * native verifier is put behind these so that every path gives the answers of the strict
 * reference (see ed25519.test.ts).
 */
import type { SignatureVerifier } from './ed25519.ts';

// Little-endian byte strings of p = 2^255 - 19 and of the group order L, compared byte
// by byte from the most significant end (no BigInt: this runs once per signature).
// Typed arrays cannot be frozen; these are module-private and never written.
const P_BYTES: Readonly<Uint8Array> = Uint8Array.from({ length: 32 }, (_, i) =>
  i === 0 ? 0xed : i === 31 ? 0x7f : 0xff,
);
const L_BYTES: Readonly<Uint8Array> = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** a < b for 32-byte little-endian numbers, `a` read at `offset` (with its top bit masked when `maskTop`). */
function lessThan(a: Uint8Array, offset: number, b: Readonly<Uint8Array>, maskTop: boolean): boolean {
  for (let i = 31; i >= 0; i--) {
    const x = i === 31 && maskTop ? (a[offset + i] as number) & 0x7f : (a[offset + i] as number);
    const y = b[i] as number;
    if (x !== y) return x < y;
  }
  return false;
}

/** True when 32 bytes at `offset` hold y = 1 or y = p - 1 (the points with x = 0), ignoring the sign bit. */
function isXZero(bytes: Uint8Array, offset: number): boolean {
  let one = (bytes[offset] as number) === 1;
  let minusOne = (bytes[offset] as number) === 0xec;
  for (let i = 1; i < 32; i++) {
    const v = i === 31 ? (bytes[offset + i] as number) & 0x7f : (bytes[offset + i] as number);
    one &&= v === 0;
    minusOne &&= v === (i === 31 ? 0x7f : 0xff);
  }
  return one || minusOne;
}

/** True when 32 bytes are a canonical point encoding's y and sign (not checking curve membership). */
export function isCanonicalPointEncoding(bytes: Uint8Array, offset = 0): boolean {
  if (!lessThan(bytes, offset, P_BYTES, true)) return false; // y must be below p
  // x = 0 exactly when y = ±1; then the sign bit must be 0 (RFC 8032 §5.1.3 step 4).
  const sign = (bytes[offset + 31] as number) >> 7;
  return !(sign === 1 && isXZero(bytes, offset));
}

/**
 * The canonical encodings of the eight points whose order divides 8 (the identity, the
 * point of order 2, two of order 4, four of order 8). Non-canonical encodings of the same
 * points are refused by {@link isCanonicalPointEncoding}, so comparing with these is enough.
 */
const SMALL_ORDER_ENCODINGS: readonly Readonly<Uint8Array>[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
].map((hex) => Uint8Array.from({ length: 32 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16)));

/** True when 32 bytes are the canonical encoding of a point of small order (see above). */
export function isSmallOrderEncoding(bytes: Uint8Array, offset = 0): boolean {
  next: for (const point of SMALL_ORDER_ENCODINGS) {
    for (let i = 0; i < 32; i++) if (bytes[offset + i] !== point[i]) continue next;
    return true;
  }
  return false;
}

/**
 * Every encoding check of strict verification that precedes the equation: lengths, `S < L`,
 * canonical `A` and `R`, and `A` not of small order. A native verifier answers only when these pass.
 */
export function passesStrictEncodingChecks(signature: Uint8Array, publicKey: Uint8Array): boolean {
  return (
    signature.length === 64 &&
    publicKey.length === 32 &&
    isScalarCanonical(signature) &&
    isCanonicalPointEncoding(publicKey) &&
    isCanonicalPointEncoding(signature, 0) &&
    !isSmallOrderEncoding(publicKey)
  );
}

/** True when a 64-byte signature's S is below the group order L. */
export function isScalarCanonical(signature: Uint8Array): boolean {
  return lessThan(signature, 32, L_BYTES, false);
}

/** Wraps a native verifier with the strict encoding checks it may lack. */
export function strictBefore(native: SignatureVerifier): SignatureVerifier {
  return Object.freeze({
    name: `${native.name} + strict RFC 8032 encoding checks`,
    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
      return passesStrictEncodingChecks(signature, publicKey) && native.verify(signature, message, publicKey);
    },
  });
}

/**
 * The encoding checks of strict RFC 8032 §5.1.7 that a native Ed25519 (OpenSSL, WebCrypto)
 * may not make itself: `S < L`, and canonical encodings of `A` and `R` (y below p, and no
 * "negative zero": x = 0 with the sign bit set). A native verifier is put behind these so
 * that every path gives the answers of the strict reference (see ed25519.test.ts).
 */
import type { SignatureVerifier } from './ed25519.ts';

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function littleEndian(bytes: Uint8Array, from: number, to: number): bigint {
  let n = 0n;
  for (let i = to - 1; i >= from; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

/** True when 32 bytes are a canonical point encoding's y and sign (not checking curve membership). */
export function isCanonicalPointEncoding(bytes: Uint8Array, offset = 0): boolean {
  const last = bytes[offset + 31] as number;
  const sign = last >> 7;
  const copy = bytes.slice(offset, offset + 32);
  copy[31] = last & 0x7f;
  const y = littleEndian(copy, 0, 32);
  if (y >= P) return false;
  // x = 0 exactly when y = ±1; then the sign bit must be 0 (RFC 8032 §5.1.3 step 4).
  if (sign === 1 && (y === 1n || y === P - 1n)) return false;
  return true;
}

/** True when a 64-byte signature's S is below the group order L. */
export function isScalarCanonical(signature: Uint8Array): boolean {
  return littleEndian(signature, 32, 64) < L;
}

/** Wraps a native verifier with the strict encoding checks it may lack. */
export function strictBefore(native: SignatureVerifier): SignatureVerifier {
  return Object.freeze({
    name: `${native.name} + strict RFC 8032 encoding checks`,
    verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
      if (signature.length !== 64 || publicKey.length !== 32) return false;
      if (!isScalarCanonical(signature)) return false;
      if (!isCanonicalPointEncoding(publicKey) || !isCanonicalPointEncoding(signature, 0)) return false;
      return native.verify(signature, message, publicKey);
    },
  });
}
